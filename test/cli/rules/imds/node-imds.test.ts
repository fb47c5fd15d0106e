import { nodeImds } from '../../../../lib/cli/rules/imds/node-imds';
import { healthySnapshot, modelOf } from '../support/snapshot';

describe(nodeImds.id, () => {
  test('is silent for IMDSv2 required with hop limit 1', () => {
    expect(nodeImds.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names an IMDSv1 node, whatever its hop limit', () => {
    const snapshot = healthySnapshot();
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpTokens = 'optional';
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpPutResponseHopLimit = 2;
    expect(nodeImds.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('i-0123456789abcdef0'),
        field: 'MetadataOptions.HttpTokens',
        message: 'The node has HttpTokens optional: IMDSv1 answers a plain GET from any pod, whatever the hop limit.',
      }),
    ]);
  });

  test('says that hop limit 1 does not close IMDSv1', () => {
    const snapshot = healthySnapshot();
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpTokens = 'optional';
    expect(nodeImds.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        field: 'MetadataOptions.HttpTokens',
        message: expect.stringMatching(
          /HttpTokens optional: IMDSv1 answers a plain GET from any pod\. Hop limit 1 does not help: it stops only the IMDSv2 token PUT, and the SDK then falls back to IMDSv1\.$/,
        ),
      }),
    ]);
  });

  test('names hop limit 2', () => {
    const snapshot = healthySnapshot();
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpPutResponseHopLimit = 2;
    expect(nodeImds.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ field: 'MetadataOptions.HttpPutResponseHopLimit', message: expect.stringMatching(/hop limit 2/) }),
    ]);
  });
});

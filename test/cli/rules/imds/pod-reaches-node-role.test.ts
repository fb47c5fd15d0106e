import { podReachesNodeRole } from '../../../../lib/cli/rules/imds/pod-reaches-node-role';
import { healthySnapshot, modelOf } from '../support/snapshot';

describe(podReachesNodeRole.id, () => {
  test('is silent when IMDS keeps pods out', () => {
    expect(podReachesNodeRole.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names the pod with no credentials of its own on an open node, and not those with a role', () => {
    const snapshot = healthySnapshot();
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpPutResponseHopLimit = 2;
    expect(podReachesNodeRole.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ subject: 'pod kube-system/coredns-6b9f', severity: 'note', message: expect.stringMatching(/hop limit 2/) }),
    ]);
  });
});

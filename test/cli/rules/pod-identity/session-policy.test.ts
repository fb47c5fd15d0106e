import { sessionPolicy } from '../../../../lib/cli/rules/pod-identity/session-policy';
import { healthySnapshot, modelOf } from '../support/snapshot';

const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] });

function withPolicy(policy: string, disableSessionTags: boolean) {
  const snapshot = healthySnapshot();
  Object.assign(snapshot.associations[0], { policy, disableSessionTags });
  return sessionPolicy.evaluate(modelOf(snapshot));
}

describe(sessionPolicy.id, () => {
  test('is silent for a short JSON policy with session tags disabled', () => {
    expect(withPolicy(POLICY, true)).toEqual([]);
  });

  test('fails a policy with session tags enabled', () => {
    expect(withPolicy(POLICY, false)).toEqual([expect.objectContaining({ expected: 'true' })]);
  });

  test('fails a policy over 2,048 characters, and one that is not JSON', () => {
    expect(withPolicy(`{${' '.repeat(2048)}`, true).map((f) => f.expected)).toEqual(['at most 2048 characters', 'a JSON policy document']);
  });
});

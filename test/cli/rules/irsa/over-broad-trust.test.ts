import { overBroadTrust } from '../../../../lib/cli/rules/irsa/over-broad-trust';
import { IRSA_ROLE_ARN, ISSUER_HOST_PATH, healthySnapshot, irsaTrust, modelOf, role } from '../support/snapshot';

function withTrust(trust: Record<string, unknown>) {
  const snapshot = healthySnapshot();
  snapshot.roles[0] = role(IRSA_ROLE_ARN, trust);
  return overBroadTrust.evaluate(modelOf(snapshot));
}

describe(overBroadTrust.id, () => {
  test('is silent for a trust that names one service account', () => {
    expect(overBroadTrust.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names every service account a StringLike wildcard lets in', () => {
    const [found] = withTrust(irsaTrust('system:serviceaccount:*', 'StringLike'));
    expect(found.message).toMatch(/3 service account\(s\) of the cluster can assume it \(web\/reports, shop\/api, kube-system\/coredns\)/);
  });

  test('a trust with no sub lets any service account in', () => {
    const trust = irsaTrust() as any;
    delete trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST_PATH}:sub`];
    expect(withTrust(trust)[0].message).toMatch(/no sub condition: any service account of the cluster can assume it/);
  });
});

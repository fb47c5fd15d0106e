import { trustNamesProvider } from '../../../../lib/cli/rules/irsa/trust-names-provider';
import { ACCOUNT, IRSA_ROLE_ARN, healthySnapshot, irsaTrust, modelOf, role } from '../support/snapshot';

describe(trustNamesProvider.id, () => {
  test("is silent when the trust names the cluster's provider", () => {
    expect(trustNamesProvider.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test("fails a trust that names another cluster's provider, with the expected ARN", () => {
    const snapshot = healthySnapshot();
    const other = JSON.parse(JSON.stringify(irsaTrust()).split('EXAMPLED539D4633E53DE1B71EXAMPLE').join('OTHERCLUSTER0000000000000000000'));
    snapshot.roles[0] = role(IRSA_ROLE_ARN, other);
    const [found] = trustNamesProvider.evaluate(modelOf(snapshot));
    expect(found.expected).toBe(
      `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`,
    );
    expect(found.message).toMatch(/trusts arn:aws:iam::111122223333:oidc-provider\/.*OTHERCLUSTER/);
  });
});

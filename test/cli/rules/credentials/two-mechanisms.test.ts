import { twoMechanisms } from '../../../../lib/cli/rules/credentials/two-mechanisms';
import { IRSA_ROLE_ARN, healthySnapshot, modelOf, serviceAccount } from '../support/snapshot';

describe(twoMechanisms.id, () => {
  test('is silent when each service account uses one mechanism', () => {
    expect(twoMechanisms.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('warns that Pod Identity wins over the annotation on one service account', () => {
    const snapshot = healthySnapshot();
    snapshot.serviceAccounts.items[1] = serviceAccount('shop', 'api', IRSA_ROLE_ARN);
    expect(twoMechanisms.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        subject: 'service account shop/api',
        mechanism: 'EKS Pod Identity',
        message: expect.stringMatching(/the webhook gives the association precedence/),
      }),
    ]);
  });
});

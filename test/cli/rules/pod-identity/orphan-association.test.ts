import { orphanAssociation } from '../../../../lib/cli/rules/pod-identity/orphan-association';
import { POD_IDENTITY_ROLE_ARN, association, healthySnapshot, modelOf } from '../support/snapshot';

describe(orphanAssociation.id, () => {
  test('is silent when every association names an existing service account', () => {
    expect(orphanAssociation.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('finds an association whose service account does not exist', () => {
    const snapshot = healthySnapshot();
    snapshot.associations.push(association('a-orphan0000000001', 'billing', 'worker', POD_IDENTITY_ROLE_ARN));
    expect(orphanAssociation.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        subject: 'association a-orphan0000000001',
        message: expect.stringMatching(/billing\/worker .* does not exist/),
      }),
    ]);
  });
});

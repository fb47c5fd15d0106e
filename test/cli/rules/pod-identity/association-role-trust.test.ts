import { associationRoleTrust } from '../../../../lib/cli/rules/pod-identity/association-role-trust';
import { POD_IDENTITY_ROLE_ARN, healthySnapshot, modelOf, podIdentityTrust, role } from '../support/snapshot';

describe(associationRoleTrust.id, () => {
  test('is silent when the role trusts pods.eks.amazonaws.com with both actions (URL-encoded as GetRole returns it)', () => {
    expect(associationRoleTrust.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('fails a trust without sts:TagSession', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, podIdentityTrust(['sts:AssumeRole']));
    expect(associationRoleTrust.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ drill: 'pod-identity-no-tag-session', message: expect.stringMatching(/without sts:TagSession/) }),
    ]);
  });

  test('fails a role IAM does not have', () => {
    const snapshot = healthySnapshot();
    snapshot.roles = snapshot.roles.slice(0, 1);
    expect(associationRoleTrust.evaluate(modelOf(snapshot))[0].message).toMatch(/which IAM does not have/);
  });
});

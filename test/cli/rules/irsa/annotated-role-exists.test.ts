import { annotatedRoleExists } from '../../../../lib/cli/rules/irsa/annotated-role-exists';
import { healthySnapshot, modelOf, serviceAccount } from '../support/snapshot';

describe(annotatedRoleExists.id, () => {
  test('is silent when the annotated role exists', () => {
    expect(annotatedRoleExists.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('fails a role IAM does not have', () => {
    const snapshot = healthySnapshot();
    snapshot.roles = snapshot.roles.slice(1);
    expect(annotatedRoleExists.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ verifiable: true, message: expect.stringMatching(/which IAM does not have/) }),
    ]);
  });

  test('fails an annotation that is not a role ARN', () => {
    const snapshot = healthySnapshot();
    snapshot.serviceAccounts.items[0] = serviceAccount('web', 'reports', 'reports-reader');
    expect(annotatedRoleExists.evaluate(modelOf(snapshot))[0].message).toMatch(/not a role ARN/);
  });

  test('reports a role in another account as not verifiable, not as wrong', () => {
    const snapshot = healthySnapshot();
    snapshot.serviceAccounts.items[0] = serviceAccount('web', 'reports', 'arn:aws:iam::123456789012:role/reports-reader');
    expect(annotatedRoleExists.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        verifiable: false,
        severity: 'note',
        message: expect.stringMatching(/^not verifiable: .* is in account 123456789012/),
      }),
    ]);
  });
});

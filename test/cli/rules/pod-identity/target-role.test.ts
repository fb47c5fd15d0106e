import { targetRole } from '../../../../lib/cli/rules/pod-identity/target-role';
import { ACCOUNT, POD_IDENTITY_ROLE_ARN, healthySnapshot, modelOf, role } from '../support/snapshot';

const TARGET = `arn:aws:iam::${ACCOUNT}:role/target`;

function trusting(principal: string, actions = ['sts:AssumeRole', 'sts:TagSession']): Record<string, unknown> {
  return { Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: actions }] };
}

function chained(target: Record<string, unknown> | undefined, policies?: Record<string, unknown>[], targetArn = TARGET) {
  const snapshot = healthySnapshot();
  snapshot.associations[0].targetRoleArn = targetArn;
  if (target) snapshot.roles.push(role(targetArn, target));
  if (policies)
    snapshot.rolePolicies = {
      'api-role': policies.map((document) => ({ RoleName: 'api-role', PolicyName: 'p', PolicyDocument: document })),
    };
  return targetRole.evaluate(modelOf(snapshot));
}

describe(targetRole.id, () => {
  test('is silent without a target role', () => {
    expect(targetRole.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('same account, trust names the role ARN: no identity policy needed', () => {
    // No role-policies.json at all: the rule must not even need it.
    expect(chained(trusting(POD_IDENTITY_ROLE_ARN))).toEqual([]);
  });

  test('fails a target that does not trust the association role', () => {
    expect(chained(trusting(`arn:aws:iam::${ACCOUNT}:role/someone-else`))[0].message).toMatch(/does not trust .*api-role/);
  });

  test('fails a trust without sts:TagSession', () => {
    expect(chained(trusting(POD_IDENTITY_ROLE_ARN, ['sts:AssumeRole']))[0].message).toMatch(/without sts:TagSession/);
  });

  test('trust names the account root: the role needs an identity policy, and has none', () => {
    const [found] = chained(trusting(`arn:aws:iam::${ACCOUNT}:root`), [
      { Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] },
    ]);
    expect(found).toMatchObject({ verifiable: true, expected: `Allow sts:AssumeRole on ${TARGET}` });
    expect(found.message).toMatch(/the trust names the account, not the role/);
  });

  test('trust names the account root and the identity policy allows it: silent', () => {
    expect(
      chained(trusting(`arn:aws:iam::${ACCOUNT}:root`), [{ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: TARGET }] }]),
    ).toEqual([]);
  });

  test('trust names the account root and policies were not collected: not verifiable', () => {
    expect(chained(trusting(`arn:aws:iam::${ACCOUNT}:root`))).toEqual([expect.objectContaining({ verifiable: false })]);
  });

  test('a target role in another account is not verifiable, not wrong', () => {
    expect(chained(undefined, undefined, 'arn:aws:iam::123456789012:role/target')).toEqual([
      expect.objectContaining({ verifiable: false, message: expect.stringMatching(/in account 123456789012/) }),
    ]);
  });
});

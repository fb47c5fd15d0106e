import { sessionTagReads } from '../../../../lib/cli/rules/pod-identity/session-tag-reads';
import { ACCOUNT, POD_IDENTITY_ROLE_ARN, healthySnapshot, modelOf, role } from '../support/snapshot';

const TARGET = `arn:aws:iam::${ACCOUNT}:role/target`;

/** The ABAC policy of the EKS user guide's pod-id-abac page: each namespace reads only its own prefix. */
function abacPolicy(tag = 'kubernetes-namespace'): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::shared-bucket/\${aws:PrincipalTag/${tag}}/*` }],
  };
}

function conditionPolicy(operator: string, tag: string): Record<string, unknown> {
  return {
    Statement: [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { [operator]: { [`aws:PrincipalTag/${tag}`]: 'shop' } } },
    ],
  };
}

/** The healthy snapshot, with these identity policies on the association's role (or its target role). */
function withPolicies(
  documents: Record<string, unknown>[] | undefined,
  options: { disableSessionTags?: boolean; onTarget?: boolean } = {},
) {
  const snapshot = healthySnapshot();
  snapshot.associations[0].disableSessionTags = options.disableSessionTags ?? false;
  const name = options.onTarget ? 'target' : 'api-role';
  if (options.onTarget) {
    snapshot.associations[0].targetRoleArn = TARGET;
    snapshot.roles.push(
      role(TARGET, {
        Statement: [{ Effect: 'Allow', Principal: { AWS: POD_IDENTITY_ROLE_ARN }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
      }),
    );
  }
  if (documents)
    snapshot.rolePolicies = { [name]: documents.map((document) => ({ RoleName: name, PolicyName: 'abac', PolicyDocument: document })) };
  return sessionTagReads.evaluate(modelOf(snapshot));
}

describe(sessionTagReads.id, () => {
  test('is silent for a policy that reads a tag EKS sets, with session tags enabled', () => {
    expect(withPolicies([abacPolicy()])).toEqual([]);
    expect(withPolicies([conditionPolicy('StringEquals', 'eks-cluster-name')])).toEqual([]);
  });

  test('is silent for a policy that reads no session tag, even with session tags disabled', () => {
    expect(
      withPolicies([{ Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }], { disableSessionTags: true }),
    ).toEqual([]);
  });

  test('fails a policy variable on a tag EKS never sets, and names the tags it does set', () => {
    expect(withPolicies([abacPolicy('kubernetes_namespace')])).toEqual([
      expect.objectContaining({
        ruleId: 'EKSPI7',
        verifiable: true,
        subject: 'service account shop/api',
        field: `${POD_IDENTITY_ROLE_ARN} identity policies aws:PrincipalTag`,
        message: expect.stringMatching(
          /^api-role reads the session tag kubernetes_namespace, which EKS never sets \(it sets eks-cluster-arn, .*kubernetes-pod-uid\)/,
        ),
      }),
    ]);
  });

  test('fails a condition on a tag EKS never sets', () => {
    expect(withPolicies([conditionPolicy('StringEquals', 'team')])[0].message).toMatch(/reads the session tag team, which EKS never sets/);
  });

  test('an absent key satisfies IfExists, negated and ForAllValues conditions: silent', () => {
    for (const operator of ['StringEqualsIfExists', 'StringNotEquals', 'Null', 'ForAllValues:StringEquals']) {
      expect(withPolicies([conditionPolicy(operator, 'team')])).toEqual([]);
    }
  });

  test('fails a policy that reads session tags the association disables', () => {
    const [found] = withPolicies([abacPolicy()], { disableSessionTags: true });
    expect(found).toMatchObject({ verifiable: true, expected: 'session tags enabled on association a-abcdefghijklmnop1' });
    expect(found.message).toMatch(/a-abcdefghijklmnop1 disables session tags, but api-role reads kubernetes-namespace/);
  });

  test("reads a target role's policies too: EKS passes the tags on to it", () => {
    expect(withPolicies([abacPolicy('namespace')], { onTarget: true })).toEqual([
      expect.objectContaining({
        field: `${TARGET} identity policies aws:PrincipalTag`,
        message: expect.stringMatching(/^target reads the session tag namespace/),
      }),
    ]);
  });

  test('a role whose identity policies were not collected is not judged', () => {
    expect(withPolicies(undefined, { disableSessionTags: true })).toEqual([]);
  });
});

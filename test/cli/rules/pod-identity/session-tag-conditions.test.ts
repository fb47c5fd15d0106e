import { sessionTagConditions } from '../../../../lib/cli/rules/pod-identity/session-tag-conditions';
import { POD_IDENTITY_ROLE_ARN, healthySnapshot, modelOf, role } from '../support/snapshot';

/** A Pod Identity trust whose one statement has `condition`. */
function podIdentityTrust(condition: Record<string, unknown>): Record<string, unknown> {
  return {
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: condition,
      },
    ],
  };
}

function tagTrust(namespace: string): Record<string, unknown> {
  return podIdentityTrust({
    StringEquals: { 'aws:RequestTag/kubernetes-namespace': namespace, 'aws:RequestTag/kubernetes-service-account': 'api' },
  });
}

describe(sessionTagConditions.id, () => {
  test('is silent when the tag conditions name the association', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, tagTrust('shop'));
    expect(sessionTagConditions.evaluate(modelOf(snapshot))).toEqual([]);
  });

  test('fails a namespace the association does not have', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, tagTrust('shop-prod'));
    expect(sessionTagConditions.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        expected: 'shop',
        message: expect.stringMatching(/requires aws:RequestTag\/kubernetes-namespace \["shop-prod"\]/),
      }),
    ]);
  });

  test('fails tag conditions when the association disables session tags', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, tagTrust('shop'));
    snapshot.associations[0].disableSessionTags = true;
    expect(sessionTagConditions.evaluate(modelOf(snapshot))[0].message).toMatch(/disables session tags/);
  });

  test('fails a condition on a tag EKS never sets', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, podIdentityTrust({ StringEquals: { 'aws:RequestTag/team': 'shop' } }));
    expect(sessionTagConditions.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        expected: expect.stringMatching(/^a tag EKS sets: eks-cluster-arn, /),
        message: expect.stringMatching(/requires aws:RequestTag\/team \["shop"\], a tag EKS never sets/),
      }),
    ]);
  });

  test('a pod-name condition stays undecided while session tags are on: silent', () => {
    const snapshot = healthySnapshot();
    snapshot.roles[1] = role(POD_IDENTITY_ROLE_ARN, podIdentityTrust({ StringLike: { 'aws:RequestTag/kubernetes-pod-name': 'api-*' } }));
    expect(sessionTagConditions.evaluate(modelOf(snapshot))).toEqual([]);
  });
});

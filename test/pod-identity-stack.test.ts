import { Template } from 'aws-cdk-lib/assertions';
import { kubeObject, logicalIdsOf, manifestApplying, synthesizedLab } from './util';

describe('Pod Identity scenario', () => {
  let template: Template;
  let role: string;
  beforeAll(async () => {
    template = (await synthesizedLab()).templates['eks-oidc-demo-pod-identity'];
    role = logicalIdsOf(template, 'AWS::IAM::Role')[0];
  });

  test('the role trusts pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, and nothing else', () => {
    template.resourceCountIs('AWS::IAM::Role', 1);
    const trust = template.toJSON().Resources[role].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ]);
  });

  test('needs no OIDC provider and no annotation', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(kubeObject(template, 'ServiceAccount', 'eks-iam-test').metadata.annotations).toBeUndefined();
  });

  test('the association names cluster, namespace, service account and role', () => {
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'eks-oidc-demo',
      Namespace: 'pod-identity',
      ServiceAccount: 'eks-iam-test',
      RoleArn: { 'Fn::GetAtt': [role, 'Arn'] },
    });
  });

  test('the role may only list buckets', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }], Version: '2012-10-17' },
      Roles: [{ Ref: role }],
    });
  });

  test('pods eks-iam-test7 (s3 ls) and eks-iam-test8 (sleep) run as the associated service account', () => {
    for (const name of ['eks-iam-test7', 'eks-iam-test8']) {
      const pod = kubeObject(template, 'Pod', name);
      expect(pod.metadata.namespace).toBe('pod-identity');
      expect(pod.spec).toMatchObject({ serviceAccountName: 'eks-iam-test', restartPolicy: 'Never' });
    }
    expect(kubeObject(template, 'Pod', 'eks-iam-test7').spec.containers[0].args).toEqual(['s3', 'ls']);
  });

  test('the pods are created after the association and the service account', () => {
    const association = logicalIdsOf(template, 'AWS::EKS::PodIdentityAssociation')[0];
    expect(manifestApplying(template, 'Pod', 'eks-iam-test7').dependsOn).toEqual(
      expect.arrayContaining([association, manifestApplying(template, 'ServiceAccount', 'eks-iam-test').logicalId]),
    );
  });
});

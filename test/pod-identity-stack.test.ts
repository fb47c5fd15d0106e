import { Match, Template } from 'aws-cdk-lib/assertions';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { buildTestLab, kubeObject, logicalIdsOf, manifestApplying, policiesOfRole, synthesizedLab } from './util';

describe('Pod Identity scenario', () => {
  let template: Template;
  let role: string;
  beforeAll(async () => {
    template = (await synthesizedLab()).templates['eks-oidc-demo-pod-identity'];
    role = logicalIdsOf(template, 'AWS::IAM::Role').find((id) => id.startsWith('S3ListRole'))!;
  });

  test('the role trusts pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, and nothing else', () => {
    const trustingPods = template.findResources('AWS::IAM::Role', {
      Properties: {
        AssumeRolePolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'pods.eks.amazonaws.com' } })]) },
      },
    });
    expect(Object.keys(trustingPods)).toEqual([role]);
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
    expect(policiesOfRole(template, role)).toHaveLength(1);
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

  test('the pods wait until the association is in effect: a dry-run pod must get the container credentials URI', () => {
    const association = logicalIdsOf(template, 'AWS::EKS::PodIdentityAssociation')[0];
    template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
      [LabPodsProperty.NAMESPACE]: 'pod-identity',
      [LabPodsProperty.WAIT_FOR_INJECTION]: {
        ServiceAccount: 'eks-iam-test',
        EnvVar: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
        Source: { 'Fn::Join': ['', ['EKS Pod Identity association ', { 'Fn::GetAtt': [association, 'AssociationArn'] }]] },
        Check: 'aws eks list-pod-identity-associations --cluster-name eks-oidc-demo --namespace pod-identity',
        TimeoutSeconds: 120,
      },
    });
  });

  test('the pods are created after the association and the service account', () => {
    const association = logicalIdsOf(template, 'AWS::EKS::PodIdentityAssociation')[0];
    expect(manifestApplying(template, 'Pod', 'eks-iam-test7').dependsOn).toEqual(
      expect.arrayContaining([association, manifestApplying(template, 'ServiceAccount', 'eks-iam-test').logicalId]),
    );
  });

  test('pod eks-iam-test9 runs s3 ls once with the AWS CLI released just before Pod Identity, on the same service account', () => {
    const pod = kubeObject(template, 'Pod', 'eks-iam-test9');
    expect(pod.metadata.namespace).toBe('pod-identity');
    expect(pod.spec).toMatchObject({ serviceAccountName: 'eks-iam-test', restartPolicy: 'Never', containers: [{ args: ['s3', 'ls'] }] });
    expect(pod.spec.containers[0].image).toBe('public.ecr.aws/aws-cli/aws-cli:2.14.6');
    // it too is created only once the association is in effect
    const pods = manifestApplying(template, 'Pod', 'eks-iam-test9');
    expect(pods.dependsOn).toContain('Association');
    template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
      [LabPodsProperty.RUN_ONCE]: ['eks-iam-test9'],
      [LabPodsProperty.WAIT_FOR_INJECTION]: Match.objectLike({ EnvVar: 'AWS_CONTAINER_CREDENTIALS_FULL_URI' }),
    });
  });
});

describe('Pod Identity scenario with another image repository', () => {
  test('the old CLI comes from the same repository as the configured image', async () => {
    const template = Template.fromStack(
      (await buildTestLab({ awsCliImage: 'amazon/aws-cli:2.27.0' })).byName['eks-oidc-demo-pod-identity'],
    );
    expect(kubeObject(template, 'Pod', 'eks-iam-test9').spec.containers[0].image).toBe('amazon/aws-cli:2.14.6');
    expect(kubeObject(template, 'Pod', 'eks-iam-test7').spec.containers[0].image).toBe('amazon/aws-cli:2.27.0');
  });
});

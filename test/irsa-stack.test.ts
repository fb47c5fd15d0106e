import { Template } from 'aws-cdk-lib/assertions';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { kubeObject, logicalIdsOf, manifestApplying, policiesOfRole, synthesizedLab } from './util';

describe('IRSA scenario', () => {
  let template: Template;
  let role: string;
  beforeAll(async () => {
    template = (await synthesizedLab()).templates['eks-oidc-demo-irsa'];
    role = logicalIdsOf(template, 'AWS::IAM::Role').find((id) => id.startsWith('S3ListRole'))!;
  });

  test("registers the cluster's issuer as a native IAM OIDC provider for sts.amazonaws.com", () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: { 'Fn::ImportValue': 'eks-oidc-demo-OidcIssuerUrl' },
      ClientIdList: ['sts.amazonaws.com'],
    });
    const [provider] = Object.values(template.findResources('AWS::IAM::OIDCProvider'));
    expect(provider.DeletionPolicy ?? 'Delete').toBe('Delete');
  });

  test('the role trusts only that provider, through AssumeRoleWithWebIdentity', () => {
    const provider = logicalIdsOf(template, 'AWS::IAM::OIDCProvider')[0];
    const trust = template.toJSON().Resources[role].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0]).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRoleWithWebIdentity',
      Principal: { Federated: { Ref: provider } },
      Condition: { StringEquals: { 'Fn::GetAtt': [logicalIdsOf(template, 'Custom::AWSCDKCfnJson')[0], 'Value'] } },
    });
    expect(Object.keys(trust.Statement[0].Condition)).toEqual(['StringEquals']);
  });

  // The issuer host path, cut from the provider's ARN at deploy time: no `arn:` prefix, no `https://`.
  const issuerHostPath = () => ({
    'Fn::Select': [1, { 'Fn::Split': [':oidc-provider/', { Ref: logicalIdsOf(template, 'AWS::IAM::OIDCProvider')[0] }] }],
  });

  test('the trust conditions are exactly sub and aud, each keyed by the issuer host path', () => {
    const conditions = Object.values(template.findResources('Custom::AWSCDKCfnJson'));
    expect(conditions).toHaveLength(1);
    const [separator, parts] = conditions[0].Properties.Value['Fn::Join'];
    const rendered = parts.map((part: unknown) => {
      if (typeof part === 'string') return part;
      expect(part).toEqual(issuerHostPath());
      return 'ISSUER';
    });
    expect(JSON.parse(rendered.join(separator))).toEqual({
      'ISSUER:sub': 'system:serviceaccount:irsa:eks-iam-test',
      'ISSUER:aud': 'sts.amazonaws.com',
    });
  });

  test('the role may only list buckets', () => {
    expect(policiesOfRole(template, role)).toHaveLength(1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }], Version: '2012-10-17' },
      Roles: [{ Ref: role }],
    });
    expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('service account eks-iam-test is annotated with that role', () => {
    const sa = kubeObject(template, 'ServiceAccount', 'eks-iam-test');
    expect(sa.metadata).toMatchObject({ name: 'eks-iam-test', namespace: 'irsa' });
    expect(sa.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': `\${${role}.Arn}` });
  });

  test('pods eks-iam-test3 (s3 ls) and eks-iam-test4 (sleep) run as that service account', () => {
    const s3Ls = kubeObject(template, 'Pod', 'eks-iam-test3');
    expect(s3Ls.metadata.namespace).toBe('irsa');
    expect(s3Ls.spec).toMatchObject({ serviceAccountName: 'eks-iam-test', restartPolicy: 'Never', containers: [{ args: ['s3', 'ls'] }] });
    const sleep = kubeObject(template, 'Pod', 'eks-iam-test4');
    expect(sleep.spec).toMatchObject({
      serviceAccountName: 'eks-iam-test',
      restartPolicy: 'Never',
      containers: [{ command: ['sleep', 'infinity'] }],
    });
    // No static keys: they would win over web identity in the SDK chain.
    for (const pod of [s3Ls, sleep]) expect(pod.spec.containers[0].env).toBeUndefined();
  });

  test('the pods are created after the annotated service account and the role', () => {
    const pods = manifestApplying(template, 'Pod', 'eks-iam-test3');
    expect(pods).toEqual(manifestApplying(template, 'Pod', 'eks-iam-test4'));
    expect(pods.dependsOn).toEqual(expect.arrayContaining([manifestApplying(template, 'ServiceAccount', 'eks-iam-test').logicalId, role]));
  });

  test('the pods wait until the webhook sees the annotation: a dry-run pod must get AWS_ROLE_ARN', () => {
    template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
      [LabPodsProperty.NAMESPACE]: 'irsa',
      [LabPodsProperty.WAIT_FOR_INJECTION]: {
        ServiceAccount: 'eks-iam-test',
        EnvVar: 'AWS_ROLE_ARN',
        Source: 'The eks.amazonaws.com/role-arn annotation on service account irsa/eks-iam-test',
        Check: 'kubectl -n irsa get serviceaccount eks-iam-test -o yaml',
        TimeoutSeconds: 120,
      },
    });
  });

  test("the helper Lambda's log group is the stack's, so destroy removes it", () => {
    const group = logicalIdsOf(template, 'AWS::Logs::LogGroup').find((id) => id.startsWith('CfnUtilsLogGroup'))!;
    template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    template.hasResource('Custom::AWSCDKCfnJson', { DependsOn: [group] });
  });
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { buildTestLab, kubeObject, logicalIdsOf, manifestApplying, policiesOfRole } from './util';

/** The issuer host path, cut from the imported issuer URL at deploy time. */
const ISSUER_HOST_PATH = { 'Fn::Select': [1, { 'Fn::Split': ['https://', { 'Fn::ImportValue': 'eks-oidc-demo-OidcIssuerUrl' }] }] };

describe('precedence scenario: IRSA and Pod Identity on one service account', () => {
  let template: Template;
  let irsaRole: string;
  let podIdentityRole: string;
  beforeAll(async () => {
    template = Template.fromStack((await buildTestLab()).byName['eks-oidc-demo-precedence']);
    irsaRole = logicalIdsOf(template, 'AWS::IAM::Role').find((id) => id.startsWith('IrsaRole'))!;
    podIdentityRole = logicalIdsOf(template, 'AWS::IAM::Role').find((id) => id.startsWith('PodIdentityRole'))!;
  });

  test('registers no second OIDC provider: IAM refuses one for the same URL', () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
  });

  test("the IRSA role trusts the IRSA stack's provider, by its ARN, through AssumeRoleWithWebIdentity", () => {
    const trust = template.toJSON().Resources[irsaRole].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: {
          // us-east-2 is in the aws partition, which the CDK writes out (@aws-cdk/core:enablePartitionLiterals).
          Federated: { 'Fn::Join': ['', ['arn:aws:iam::123456789012:oidc-provider/', ISSUER_HOST_PATH]] },
        },
        Condition: { StringEquals: { 'Fn::GetAtt': [logicalIdsOf(template, 'Custom::AWSCDKCfnJson')[0], 'Value'] } },
      },
    ]);
  });

  test('its trust conditions are StringEquals on exactly sub and aud, for precedence/eks-iam-test', () => {
    const [conditions] = Object.values(template.findResources('Custom::AWSCDKCfnJson'));
    expect(conditions.Properties.Value).toEqual({
      'Fn::Join': [
        '',
        ['{"', ISSUER_HOST_PATH, ':sub":"system:serviceaccount:precedence:eks-iam-test","', ISSUER_HOST_PATH, ':aud":"sts.amazonaws.com"}'],
      ],
    });
  });

  test('the Pod Identity role trusts pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, and the association names it', () => {
    expect(template.toJSON().Resources[podIdentityRole].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
    ]);
    template.resourceCountIs('AWS::EKS::PodIdentityAssociation', 1);
    template.hasResourceProperties('AWS::EKS::PodIdentityAssociation', {
      ClusterName: 'eks-oidc-demo',
      Namespace: 'precedence',
      ServiceAccount: 'eks-iam-test',
      RoleArn: { 'Fn::GetAtt': [podIdentityRole, 'Arn'] },
    });
  });

  test('the two roles are distinct, and each may only list buckets', () => {
    expect(irsaRole).not.toEqual(podIdentityRole);
    for (const role of [irsaRole, podIdentityRole]) {
      expect(policiesOfRole(template, role)).toHaveLength(1);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }], Version: '2012-10-17' },
        Roles: [{ Ref: role }],
      });
    }
  });

  test('service account eks-iam-test carries the IRSA annotation, and is also associated', () => {
    const account = kubeObject(template, 'ServiceAccount', 'eks-iam-test');
    expect(account.metadata).toMatchObject({
      namespace: 'precedence',
      annotations: { 'eks.amazonaws.com/role-arn': `\${${irsaRole}.Arn}` },
    });
  });

  test('pods eks-iam-test10 (s3 ls) and eks-iam-test11 (sleep) run as it, with restartPolicy Never', () => {
    expect(kubeObject(template, 'Pod', 'eks-iam-test10').spec).toMatchObject({
      serviceAccountName: 'eks-iam-test',
      restartPolicy: 'Never',
      containers: [{ args: ['s3', 'ls'] }],
    });
    expect(kubeObject(template, 'Pod', 'eks-iam-test11').spec).toMatchObject({
      serviceAccountName: 'eks-iam-test',
      restartPolicy: 'Never',
      containers: [{ command: ['sleep', 'infinity'] }],
    });
  });

  test('the pods are created after both roles, the service account and the association, once it is in effect', () => {
    const pods = manifestApplying(template, 'Pod', 'eks-iam-test10');
    expect(pods.dependsOn).toEqual(
      expect.arrayContaining([
        'Association',
        irsaRole,
        podIdentityRole,
        manifestApplying(template, 'ServiceAccount', 'eks-iam-test').logicalId,
      ]),
    );
    template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
      [LabPodsProperty.WAIT_FOR_INJECTION]: Match.objectLike({
        ServiceAccount: 'eks-iam-test',
        EnvVar: 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      }),
    });
  });
});

import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand } from '@aws-sdk/client-ec2';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  ListAddonsCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, GetRoleCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { runDoctor } from '../../lib/cli/commands/doctor';
import { RULES } from '../../lib/cli/rules';
import { ExitCode } from '../../lib/cli/errors';
import { mockedAws } from './support/aws';
import { synthLab } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { deployFeaturePods, deployedAssociations, mockAssociations, mockFeatureRoles } from './support/pod-identity-features';
import { CapturedTerminal, fakeClock } from './support/output';

const ISSUER = 'https://oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const PROVIDER_ARN = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF';
const IRSA_ENV = [
  { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
  { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456' },
  { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
];
const POD_IDENTITY_ENV = [
  { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
  {
    name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
  },
];

const HOST_PATH = ISSUER.replace('https://', '');
const IRSA_ROLE = 'eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456';
const POD_IDENTITY_ROLE = 'eks-oidc-demo-pod-identity-S3ListRole229B9F28-GhIjKl789012';
const ASSOCIATION_ID = 'a-0123456789abcdef0';
const PRECEDENCE_IRSA_ROLE = 'eks-oidc-demo-precedence-IrsaRoleEF0CCB7B-Mn0pQr345678';
const PRECEDENCE_POD_IDENTITY_ROLE = 'eks-oidc-demo-precedence-PodIdentityRoleE5932-St4uVw567890';

/** The IRSA role's trust as IAM returns it: URL-encoded. */
function irsaTrust(conditions: Record<string, string> = {}, federated = PROVIDER_ARN): string {
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: federated },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${HOST_PATH}:sub`]: 'system:serviceaccount:irsa:eks-iam-test',
              [`${HOST_PATH}:aud`]: 'sts.amazonaws.com',
              ...conditions,
            },
          },
        },
      ],
    }),
  );
}

function podIdentityTrust(action: string | string[] = ['sts:AssumeRole', 'sts:TagSession']): string {
  return encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: action }],
    }),
  );
}

let assembly: string;
beforeAll(async () => {
  assembly = await synthLab();
}, 60_000);

/** Every association of the deployed lab as EKS describes it, by namespace. */
function labAssociations(): ReturnType<typeof deployedAssociations> {
  return {
    ...deployedAssociations(),
    precedence: {
      clusterName: 'eks-oidc-demo',
      namespace: 'precedence',
      serviceAccount: 'eks-iam-test',
      associationId: 'a-precedence00000001',
      roleArn: `arn:aws:iam::123456789012:role/${PRECEDENCE_POD_IDENTITY_ROLE}`,
      createdAt: new Date('2026-11-26T09:58:00Z'),
    },
    'pod-identity': {
      clusterName: 'eks-oidc-demo',
      namespace: 'pod-identity',
      serviceAccount: 'eks-iam-test',
      associationId: ASSOCIATION_ID,
      roleArn: `arn:aws:iam::123456789012:role/${POD_IDENTITY_ROLE}`,
      createdAt: new Date('2026-11-26T09:58:00Z'),
    },
  };
}

/** A deployed lab, healthy, as AWS and the API server describe it. */
function healthyLab(cluster: FakeCluster) {
  const aws = mockedAws();
  aws.mocks.eks.on(DescribeClusterCommand).resolves({
    cluster: {
      name: 'eks-oidc-demo',
      arn: 'arn:aws:eks:us-east-2:123456789012:cluster/eks-oidc-demo',
      status: 'ACTIVE',
      identity: { oidc: { issuer: ISSUER } },
    },
  });
  aws.mocks.eks
    .on(DescribeAddonCommand)
    .resolves({ addon: { addonName: 'eks-pod-identity-agent', status: 'ACTIVE', addonVersion: 'v1.3.10-eksbuild.2' } });
  aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  aws.mocks.iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: ISSUER.replace('https://', ''), ClientIDList: ['sts.amazonaws.com'] });
  // The node is on the second page of DescribeInstances.
  aws.mocks.ec2
    .on(DescribeInstancesCommand)
    .resolvesOnce({ Reservations: [], NextToken: 'p2' })
    .resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0a1b2c3d4e5f67890', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } }] },
      ],
    });
  aws.mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input) => ({
    Stacks: [{ StackName: input.StackName, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
  }));
  aws.mocks.eks
    .on(ListPodIdentityAssociationsCommand)
    .resolvesOnce({ associations: [], nextToken: 'p2' })
    .resolves({ associations: [{ associationId: 'a-0123456789abcdef0', namespace: 'pod-identity', serviceAccount: 'eks-iam-test' }] });
  aws.mocks.eks.on(DescribePodIdentityAssociationCommand).resolves({
    association: {
      associationId: 'a-0123456789abcdef0',
      roleArn: 'arn:aws:iam::123456789012:role/eks-oidc-demo-pod-identity-S3ListRole7B2BAD01-ZyXwVu987654',
    },
  });
  aws.mocks.iam.on(GetRoleCommand, { RoleName: IRSA_ROLE }).resolves({ Role: roleNamed(IRSA_ROLE, irsaTrust()) });
  aws.mocks.iam.on(GetRoleCommand, { RoleName: POD_IDENTITY_ROLE }).resolves({ Role: roleNamed(POD_IDENTITY_ROLE, podIdentityTrust()) });
  aws.mocks.eks.on(ListPodIdentityAssociationsCommand).resolves({
    associations: [
      { clusterName: 'eks-oidc-demo', namespace: 'pod-identity', serviceAccount: 'eks-iam-test', associationId: ASSOCIATION_ID },
    ],
  });
  aws.mocks.eks.on(DescribePodIdentityAssociationCommand).resolves({
    association: {
      associationId: ASSOCIATION_ID,
      roleArn: `arn:aws:iam::123456789012:role/${POD_IDENTITY_ROLE}`,
      // Before the pods' creationTimestamp (2026-11-26T10:00:00Z in podObject).
      createdAt: new Date('2026-11-26T09:58:00Z'),
    },
  });
  // What the deployed rules also read: the add-ons, the node group and its launch template, and the node.
  aws.mocks.eks.on(ListAddonsCommand).resolves({ addons: ['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni'] });
  aws.mocks.eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['eks-oidc-demo-ng'] });
  aws.mocks.eks.on(DescribeNodegroupCommand).resolves({
    nodegroup: { nodegroupName: 'eks-oidc-demo-ng', launchTemplate: { id: 'lt-0123456789abcdef0', version: '1' } },
  });
  aws.mocks.ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({
    LaunchTemplateVersions: [
      {
        LaunchTemplateId: 'lt-0123456789abcdef0',
        VersionNumber: 1,
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } },
      },
    ],
  });
  cluster.nodes.set('ip-10-0-3-17.us-east-2.compute.internal', {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: 'ip-10-0-3-17.us-east-2.compute.internal' },
    spec: { providerID: 'aws:///us-east-2a/i-0a1b2c3d4e5f67890' },
  });
  mockFeatureRoles(aws);
  cluster.serviceAccounts.set('pod-identity/eks-iam-test', {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'eks-iam-test', namespace: 'pod-identity' },
  });
  cluster.serviceAccounts.set('irsa/eks-iam-test', {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'eks-iam-test', namespace: 'irsa', annotations: { 'eks.amazonaws.com/role-arn': IRSA_ENV[1].value } },
  });
  cluster.addPod({
    object: podObject({
      namespace: 'irsa',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test3',
      phase: 'Succeeded',
      exitCode: 0,
      env: IRSA_ENV,
    }),
  });
  cluster.addPod({
    object: podObject({ namespace: 'irsa', serviceAccount: 'eks-iam-test', name: 'eks-iam-test4', phase: 'Running', env: IRSA_ENV }),
  });
  cluster.addPod({
    object: podObject({
      namespace: 'pod-identity',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test7',
      phase: 'Succeeded',
      exitCode: 0,
      env: POD_IDENTITY_ENV,
    }),
  });
  cluster.addPod({
    object: podObject({
      namespace: 'pod-identity',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test8',
      phase: 'Running',
      env: POD_IDENTITY_ENV,
    }),
  });
  cluster.addPod({
    object: podObject({
      namespace: 'pod-identity',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test9',
      phase: 'Failed',
      exitCode: 255,
      env: POD_IDENTITY_ENV,
      image: 'public.ecr.aws/aws-cli/aws-cli:2.14.6',
    }),
  });
  cluster.addPod({
    object: podObject({
      namespace: 'precedence',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test10',
      phase: 'Succeeded',
      exitCode: 0,
      env: POD_IDENTITY_ENV,
    }),
  });
  cluster.addPod({
    object: podObject({
      namespace: 'precedence',
      serviceAccount: 'eks-iam-test',
      name: 'eks-iam-test11',
      phase: 'Running',
      env: POD_IDENTITY_ENV,
    }),
  });
  // The Pod Identity feature scenarios: their associations in EKS and their pods, beside pod-identity's.
  aws.mocks.iam.on(GetRoleCommand, { RoleName: PRECEDENCE_IRSA_ROLE }).resolves({
    Role: roleNamed(PRECEDENCE_IRSA_ROLE, irsaTrust({ [`${HOST_PATH}:sub`]: 'system:serviceaccount:precedence:eks-iam-test' })),
  });
  aws.mocks.iam
    .on(GetRoleCommand, { RoleName: PRECEDENCE_POD_IDENTITY_ROLE })
    .resolves({ Role: roleNamed(PRECEDENCE_POD_IDENTITY_ROLE, podIdentityTrust()) });
  // The precedence scenario: one service account with both an annotation and an association.
  cluster.serviceAccounts.set('precedence/eks-iam-test', {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: {
      name: 'eks-iam-test',
      namespace: 'precedence',
      annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::123456789012:role/${PRECEDENCE_IRSA_ROLE}` },
    },
  });
  mockAssociations(aws, labAssociations());
  deployFeaturePods(cluster);
  return aws;
}

function roleNamed(name: string, trust: string) {
  return {
    RoleName: name,
    Arn: `arn:aws:iam::123456789012:role/${name}`,
    Path: '/',
    RoleId: 'AROAEXAMPLE',
    CreateDate: new Date(),
    AssumeRolePolicyDocument: trust,
  };
}

describe('lab doctor (live)', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  async function doctor(aws: ReturnType<typeof mockedAws>) {
    const terminal = new CapturedTerminal();
    const code = await runDoctor(
      { assembly, verbose: true },
      { out: terminal.output(), aws: async () => aws.clients, kube: () => cluster.client(), clock: fakeClock() },
    );
    return { code, text: terminal.text };
  }

  test('warns when a Pod Identity pod runs an AWS CLI too old to use the credentials it was given', async () => {
    // GIVEN eks-iam-test7 runs the CLI release before Pod Identity support
    const aws = healthyLab(cluster);
    cluster.addPod({
      object: podObject({
        namespace: 'pod-identity',
        serviceAccount: 'eks-iam-test',
        name: 'eks-iam-test7',
        phase: 'Failed',
        exitCode: 255,
        env: POD_IDENTITY_ENV,
        image: 'amazon/aws-cli:2.14.6',
      }),
    });
    // WHEN
    const { code, text } = await doctor(aws);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toMatch(
      /✗ \[pod-identity\] EKSSDK1 SDK new enough for its credentials \(deployed\): pod pod-identity\/eks-iam-test7: .*AWS CLI 2\.14\.6, older than 2\.15\.0/,
    );
  });

  test('flags a precedence pod that got IRSA, created before its association took effect', async () => {
    // GIVEN
    const aws = healthyLab(cluster);
    cluster.addPod({
      object: podObject({
        namespace: 'precedence',
        serviceAccount: 'eks-iam-test',
        name: 'eks-iam-test10',
        phase: 'Succeeded',
        exitCode: 0,
        env: IRSA_ENV,
      }),
    });
    // WHEN
    const { code, text } = await doctor(aws);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [precedence] annotation ignored: Pod precedence/eks-iam-test10 carries AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE',
    );
  });

  test('GIVEN a healthy deployed lab WHEN checked live THEN IAM, EKS, EC2 and the pods all pass', async () => {
    const { code, text } = await doctor(healthyLab(cluster));
    expect(text).not.toContain('✗');
    expect(code).toBe(ExitCode.OK);
    // The deliberate surprises are explained, not flagged: the shared rules over the deployed lab name their lessons.
    expect(text).toContain(
      '✓ [old-sdk] EKSSDK1 SDK new enough for its credentials (deployed): pod pod-identity/eks-iam-test9: Container aws-cli runs AWS CLI 2.14.6, older than 2.15.0',
    );
    expect(text).toMatch(/✓ \[precedence\] EKSCRED2 IRSA and Pod Identity on one service account \(deployed\): .* On purpose: /);
    expect(text).toMatch(
      /✓ \[cluster\] EKSIMDS1 nodes keep pods away from IMDS \(deployed\): node \S+ \(i-0a1b2c3d4e5f67890\): .* On purpose: /,
    );
    expect(text).toContain('✓ [precedence] annotation ignored: Pod precedence/eks-iam-test10 got Pod Identity and none of AWS_ROLE_ARN');
    // What the lab's scenarios expect of the deployed lab, beside the rules.
    expect(text).toContain('✓ [pod-identity] agent add-on: eks-pod-identity-agent v1.3.10-eksbuild.2 is ACTIVE.');
    expect(text).toContain('✓ [cluster] node IMDS: Node i-0a1b2c3d4e5f67890: HttpTokens required, hop limit 2, as imds=open sets it.');
    expect(text).toContain('✓ [irsa] injected env: Pod irsa/eks-iam-test3 has AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(text).toContain(
      '✓ [pod-identity] association in EKS: Association a-0123456789abcdef0 links pod-identity/eks-iam-test to arn:aws:iam::123456789012:role/eks-oidc-demo-pod-identity-S3ListRole',
    );
    // Every rule ran over the deployed lab too, and found nothing else: trusts, provider, associations, pods' ages.
    for (const rule of RULES) expect(text).toContain(`] ${rule.id} ${rule.name} (deployed): `);
    for (const id of ['EKSIRSA2', 'EKSIRSA3', 'EKSIRSA4', 'EKSPI1', 'EKSPI3', 'EKSCRED1', 'EKSPI5', 'EKSPI6'])
      expect(text).toMatch(new RegExp(`✓ \\[cluster\\] ${id} .* \\(deployed\\): Nothing found`));
  });

  test('fails when EKS has no association now, although the pods still carry the env it injected', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [pod-identity] association in EKS: EKS has no Pod Identity association for pod-identity/eks-iam-test in eks-oidc-demo',
    );
    expect(text).toContain('✓ [pod-identity] injected env: Pod pod-identity/eks-iam-test7 has AWS_CONTAINER_CREDENTIALS_FULL_URI');
  });

  test("fails when the association names a role that is not the stack's", async () => {
    const aws = healthyLab(cluster);
    aws.mocks.eks
      .on(DescribePodIdentityAssociationCommand)
      .resolves({ association: { associationId: 'a-0123456789abcdef0', roleArn: 'arn:aws:iam::123456789012:role/AdminRole' } });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      'links pod-identity/eks-iam-test to arn:aws:iam::123456789012:role/AdminRole, not the role of eks-oidc-demo-pod-identity',
    );
  });

  test('GIVEN the irsa stack not yet deployed WHEN IAM already has a provider for the issuer THEN it says the deploy would fail and how to resolve it', async () => {
    // GIVEN: e.g. `eksctl utils associate-iam-oidc-provider` registered the issuer earlier
    const aws = healthyLab(cluster);
    // CloudFormation's answer for a missing stack, as published in boto/boto3#2807.
    aws.mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'eks-oidc-demo-irsa' })
      .rejects(Object.assign(new Error('Stack with id eks-oidc-demo-irsa does not exist'), { name: 'ValidationError', $metadata: {} }));

    // WHEN
    const { code, text } = await doctor(aws);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      `✗ [irsa] OIDC provider in IAM: ${PROVIDER_ARN} already registers ${ISSUER}, and eks-oidc-demo-irsa is not deployed: its create would fail with EntityAlreadyExists`,
    );
    expect(text).toContain(`aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${PROVIDER_ARN}`);
  });

  test('GIVEN the irsa stack not yet deployed WHEN no provider exists THEN the deploy may create one', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'eks-oidc-demo-irsa' })
      .resolves({ Stacks: [{ StackName: 'eks-oidc-demo-irsa', StackStatus: 'ROLLBACK_COMPLETE', CreationTime: new Date() }] });
    aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    const { text } = await doctor(aws);
    expect(text).toContain(`✓ [irsa] OIDC provider in IAM: No provider registers ${ISSUER} yet; deploying eks-oidc-demo-irsa creates it.`);
  });

  test('fails when IAM has no OIDC provider for the issuer', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      `✗ [irsa] EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com (deployed): cluster eks-oidc-demo: IAM has no OIDC provider for the issuer ${ISSUER}`,
    );
  });

  test('fails when an IRSA pod was created before the webhook could mutate it', async () => {
    const aws = healthyLab(cluster);
    cluster.addPod({
      object: podObject({ namespace: 'irsa', serviceAccount: 'eks-iam-test', name: 'eks-iam-test3', phase: 'Failed', exitCode: 254 }),
    });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain('✗ [irsa] injected env: Pod irsa/eks-iam-test3 lacks AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE');
    expect(text).toContain('npm run lab -- rerun irsa');
  });

  test('fails when the node answers IMDS with another hop limit than the toggles expect', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-0a1b2c3d4e5f67890', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } }] },
      ],
    });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [cluster] node IMDS: Node i-0a1b2c3d4e5f67890 answers IMDS with HttpTokens required, hop limit 1, but imds=open gives HttpTokens required, hop limit 2.',
    );
  });

  test('fails when the agent add-on is not ACTIVE', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.eks.on(DescribeAddonCommand).resolves({
      addon: {
        addonName: 'eks-pod-identity-agent',
        status: 'DEGRADED',
        // The code is one the EKS API reference lists (AddonIssue); no published message is copied, this one stands in.
        health: { issues: [{ code: 'InsufficientNumberOfReplicas', message: 'The add-on is unhealthy' }] },
      },
    });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [pod-identity] agent add-on: eks-pod-identity-agent is DEGRADED (InsufficientNumberOfReplicas: The add-on is unhealthy).',
    );
  });

  test('fails when the cluster is not there', async () => {
    const aws = healthyLab(cluster);
    // EKS's answer for a missing cluster, as published in MaterializeInc/materialize#31179.
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('No cluster found for name: eks-oidc-demo.'), { name: 'ResourceNotFoundException' }));
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain('✗ [cluster] cluster: No cluster eks-oidc-demo in us-east-2.');
  });
});

describe('lab doctor (live) names each drill the account shows', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  async function failures(aws: ReturnType<typeof mockedAws>): Promise<string[]> {
    const terminal = new CapturedTerminal();
    const code = await runDoctor(
      { assembly, verbose: true },
      { out: terminal.output(), aws: async () => aws.clients, kube: () => cluster.client(), clock: fakeClock() },
    );
    expect(code).toBe(ExitCode.CHECK_FAILED);
    return terminal.text.split('\n').filter((line) => line.startsWith('✗ ['));
  }

  test('irsa-aud-typo: the role in IAM requires aud sts.amazon.com', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam
      .on(GetRoleCommand, { RoleName: IRSA_ROLE })
      .resolves({ Role: roleNamed(IRSA_ROLE, irsaTrust({ [`${HOST_PATH}:aud`]: 'sts.amazon.com' })) });
    expect(await failures(aws)).toEqual([
      expect.stringMatching(
        new RegExp(
          `^✗ \\[irsa\\] EKSIRSA4 trust conditions match the token \\(deployed\\): service account irsa/eks-iam-test: ${IRSA_ROLE} requires aud \\["sts\\.amazon\\.com"\\] under StringEquals.*'sts\\.amazon\\.com' is the common typo.*AccessDenied`,
        ),
      ),
    ]);
  });

  test('irsa-wrong-namespace: the role in IAM trusts another namespace', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam
      .on(GetRoleCommand, { RoleName: IRSA_ROLE })
      .resolves({ Role: roleNamed(IRSA_ROLE, irsaTrust({ [`${HOST_PATH}:sub`]: 'system:serviceaccount:default:eks-iam-test' })) });
    expect(await failures(aws)).toEqual([
      expect.stringMatching(
        /^✗ \[irsa\] EKSIRSA4 trust conditions match the token \(deployed\): service account irsa\/eks-iam-test: .* requires sub \["system:serviceaccount:default:eks-iam-test"\] under StringEquals, and the token's sub is 'system:serviceaccount:irsa:eks-iam-test'/,
      ),
    ]);
  });

  test("irsa-no-oidc-provider: IAM has no provider for the issuer, and the role trusts another cluster's", async () => {
    const aws = healthyLab(cluster);
    const other = 'arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/00000000000000000000000000000000';
    aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: other }] });
    aws.mocks.iam.on(GetRoleCommand, { RoleName: IRSA_ROLE }).resolves({ Role: roleNamed(IRSA_ROLE, irsaTrust({}, other)) });
    expect(await failures(aws)).toEqual([
      `✗ [irsa] EKSIRSA2 trust names the cluster's OIDC provider (deployed): service account irsa/eks-iam-test: ${IRSA_ROLE} trusts ${other} for sts:AssumeRoleWithWebIdentity, not the provider of the cluster's issuer: STS refuses the token.`,
      expect.stringMatching(
        `^✗ \\[irsa\\] EKSIRSA3 OIDC provider registered with client id sts\\.amazonaws\\.com \\(deployed\\): cluster eks-oidc-demo: IAM has no OIDC provider for the issuer ${ISSUER}.*No OpenIDConnect provider found in your account`,
      ),
    ]);
  });

  test('irsa-client-id-typo: the provider in IAM lists sts.amazon.com', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: HOST_PATH, ClientIDList: ['sts.amazon.com'] });
    expect(await failures(aws)).toEqual([
      expect.stringContaining(
        `✗ [irsa] EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com (deployed): cluster eks-oidc-demo: ${PROVIDER_ARN} lists client ids [sts.amazon.com]`,
      ),
    ]);
  });

  test('irsa-no-annotation: the service account in the cluster has no role, and the pods were not injected', async () => {
    const aws = healthyLab(cluster);
    cluster.serviceAccounts.set('irsa/eks-iam-test', {
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: 'eks-iam-test', namespace: 'irsa' },
    });
    cluster.addPod({
      object: podObject({ namespace: 'irsa', serviceAccount: 'eks-iam-test', name: 'eks-iam-test3', phase: 'Failed', exitCode: 254 }),
    });
    cluster.addPod({ object: podObject({ namespace: 'irsa', serviceAccount: 'eks-iam-test', name: 'eks-iam-test4', phase: 'Running' }) });
    expect(await failures(aws)).toEqual([
      '✗ [irsa] service account in cluster: Service account irsa/eks-iam-test has eks.amazonaws.com/role-arn null, not a role ARN.',
      expect.stringMatching(/^✗ \[irsa\] injected env: Pod irsa\/eks-iam-test3 lacks AWS_ROLE_ARN/),
      expect.stringMatching(/^✗ \[irsa\] injected env: Pod irsa\/eks-iam-test4 lacks AWS_ROLE_ARN/),
      // With no role of their own, the pods reach the node role: hop limit 2 under imds=open.
      expect.stringMatching(/^✗ \[irsa\] EKSIMDS3 pod falls back to the node role \(deployed\): pod irsa\/eks-iam-test3: .*hop limit 2/),
      expect.stringMatching(/^✗ \[irsa\] EKSIMDS3 pod falls back to the node role \(deployed\): pod irsa\/eks-iam-test4: .*hop limit 2/),
    ]);
  });

  test('pod-identity-no-tag-session: the role in IAM trusts sts:AssumeRole alone', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam
      .on(GetRoleCommand, { RoleName: POD_IDENTITY_ROLE })
      .resolves({ Role: roleNamed(POD_IDENTITY_ROLE, podIdentityTrust('sts:AssumeRole')) });
    expect(await failures(aws)).toEqual([
      expect.stringMatching(
        `^✗ \\[pod-identity\\] EKSPI1 association's role trusts pods\\.eks\\.amazonaws\\.com \\(deployed\\): service account pod-identity/eks-iam-test: ${POD_IDENTITY_ROLE} trusts pods\\.eks\\.amazonaws\\.com without sts:TagSession`,
      ),
    ]);
  });

  test('pod-identity-pods-first: the pods are older than their association, and were not injected', async () => {
    const aws = healthyLab(cluster);
    const associations = labAssociations();
    mockAssociations(aws, {
      ...associations,
      'pod-identity': { ...associations['pod-identity'], createdAt: new Date('2026-11-26T10:02:00Z') },
    });
    cluster.addPod({
      object: podObject({
        namespace: 'pod-identity',
        serviceAccount: 'eks-iam-test',
        name: 'eks-iam-test7',
        phase: 'Failed',
        exitCode: 254,
      }),
    });
    cluster.addPod({
      object: podObject({ namespace: 'pod-identity', serviceAccount: 'eks-iam-test', name: 'eks-iam-test8', phase: 'Running' }),
    });
    expect(await failures(aws)).toEqual([
      expect.stringMatching(/^✗ \[pod-identity\] injected env: Pod pod-identity\/eks-iam-test7 lacks AWS_CONTAINER_CREDENTIALS_FULL_URI/),
      expect.stringMatching(/^✗ \[pod-identity\] injected env: Pod pod-identity\/eks-iam-test8 lacks AWS_CONTAINER_CREDENTIALS_FULL_URI/),
      // The pods were created at 10:00, the association at 10:02: the webhook had nothing to inject.
      ...['eks-iam-test7', 'eks-iam-test8'].map((pod) =>
        expect.stringMatching(
          new RegExp(
            `^✗ \\[pod-identity\\] EKSCRED1 pod predates its credential configuration \\(deployed\\): pod pod-identity/${pod}: .*${ASSOCIATION_ID}`,
          ),
        ),
      ),
      ...['eks-iam-test7', 'eks-iam-test8'].map((pod) =>
        expect.stringMatching(
          new RegExp(`^✗ \\[pod-identity\\] EKSIMDS3 pod falls back to the node role \\(deployed\\): pod pod-identity/${pod}: `),
        ),
      ),
    ]);
  });

  test('fails when EKS has no association for the service account', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [] });
    expect((await failures(aws)).filter((line) => line.includes('[pod-identity]'))).toEqual([
      '✗ [pod-identity] association in EKS: EKS has no Pod Identity association for pod-identity/eks-iam-test in eks-oidc-demo: pods created from now on get no credentials and fall back to the node.',
    ]);
  });
});

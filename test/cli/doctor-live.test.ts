import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { DescribeAddonCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { runDoctor } from '../../lib/cli/doctor';
import { ExitCode } from '../../lib/cli/errors';
import { mockedAws } from './support/aws';
import { synthLab } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { deployFeaturePods, mockAssociations } from './support/pod-identity-features';
import { CapturedTerminal } from './support/output';

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

let assembly: string;
beforeAll(async () => {
  assembly = await synthLab();
}, 60_000);

/** A deployed lab, healthy, as AWS and the API server describe it. */
function healthyLab(cluster: FakeCluster) {
  const aws = mockedAws();
  aws.mocks.eks
    .on(DescribeClusterCommand)
    .resolves({ cluster: { name: 'eks-oidc-demo', status: 'ACTIVE', identity: { oidc: { issuer: ISSUER } } } });
  aws.mocks.eks
    .on(DescribeAddonCommand)
    .resolves({ addon: { addonName: 'eks-pod-identity-agent', status: 'ACTIVE', addonVersion: 'v1.3.10-eksbuild.2' } });
  aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER_ARN }] });
  aws.mocks.iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: ISSUER.replace('https://', ''), ClientIDList: ['sts.amazonaws.com'] });
  aws.mocks.ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      { Instances: [{ InstanceId: 'i-0a1b2c3d4e5f67890', MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2 } }] },
    ],
  });
  cluster.serviceAccounts.set('irsa/eks-iam-test', {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: { name: 'eks-iam-test', namespace: 'irsa', annotations: { 'eks.amazonaws.com/role-arn': IRSA_ENV[1].value } },
  });
  cluster.addPod({ object: podObject({ namespace: 'irsa', name: 'eks-iam-test3', phase: 'Succeeded', exitCode: 0, env: IRSA_ENV }) });
  cluster.addPod({ object: podObject({ namespace: 'irsa', name: 'eks-iam-test4', phase: 'Running', env: IRSA_ENV }) });
  cluster.addPod({
    object: podObject({ namespace: 'pod-identity', name: 'eks-iam-test7', phase: 'Succeeded', exitCode: 0, env: POD_IDENTITY_ENV }),
  });
  cluster.addPod({ object: podObject({ namespace: 'pod-identity', name: 'eks-iam-test8', phase: 'Running', env: POD_IDENTITY_ENV }) });
  // The Pod Identity feature scenarios: their associations in EKS and their pods.
  mockAssociations(aws);
  deployFeaturePods(cluster);
  return aws;
}

describe('lab doctor (live)', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  async function doctor(aws: ReturnType<typeof mockedAws>) {
    const terminal = new CapturedTerminal();
    const code = await runDoctor({ assembly }, { out: terminal.output(), aws: async () => aws.clients, kube: () => cluster.client() });
    return { code, text: terminal.text };
  }

  test('GIVEN a healthy deployed lab WHEN checked live THEN IAM, EKS, EC2 and the pods all pass', async () => {
    const { code, text } = await doctor(healthyLab(cluster));
    expect(text).not.toContain('✗');
    expect(code).toBe(ExitCode.OK);
    expect(text).toContain(`✓ [irsa] OIDC provider in IAM: ${PROVIDER_ARN} is registered with client id sts.amazonaws.com.`);
    expect(text).toContain('✓ [pod-identity] agent add-on: eks-pod-identity-agent v1.3.10-eksbuild.2 is ACTIVE.');
    expect(text).toContain('✓ [cluster] node IMDS: Node i-0a1b2c3d4e5f67890: HttpTokens required, hop limit 2');
    expect(text).toContain('✓ [irsa] injected env: Pod irsa/eks-iam-test3 has AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE');
  });

  test('fails when IAM has no OIDC provider for the issuer', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [] });
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(`✗ [irsa] OIDC provider in IAM: IAM has no OIDC provider for ${ISSUER}`);
  });

  test('fails when an IRSA pod was created before the webhook could mutate it', async () => {
    const aws = healthyLab(cluster);
    cluster.addPod({ object: podObject({ namespace: 'irsa', name: 'eks-iam-test3', phase: 'Failed', exitCode: 254 }) });
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
    expect(text).toContain('✗ [cluster] node IMDS: Node i-0a1b2c3d4e5f67890 answers IMDS with hop limit 1, but imds=open needs 2.');
  });

  test('fails when the agent add-on is not ACTIVE', async () => {
    const aws = healthyLab(cluster);
    aws.mocks.eks.on(DescribeAddonCommand).resolves({
      addon: {
        addonName: 'eks-pod-identity-agent',
        status: 'DEGRADED',
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
    aws.mocks.eks
      .on(DescribeClusterCommand)
      .rejects(Object.assign(new Error('No cluster found for name: eks-oidc-demo.'), { name: 'ResourceNotFoundException' }));
    const { code, text } = await doctor(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain('✗ [cluster] cluster: No cluster eks-oidc-demo in us-east-2.');
  });
});

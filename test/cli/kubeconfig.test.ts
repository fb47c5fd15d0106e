import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import { ExitCode } from '../../lib/cli/errors';
import { loadLabKubeConfig } from '../../lib/cli/kube';
import { runLab } from '../../lib/cli/program';
import { mockedAws } from './support/aws';
import { CapturedTerminal } from './support/output';

const ACCOUNT = '123456789012';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-eksoidcdemoAccessRoleCA6D9427-AbCdEf123456`;
const CLUSTER_ARN = `arn:aws:eks:us-east-2:${ACCOUNT}:cluster/eks-oidc-demo`;
const ENDPOINT = 'https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-2.eks.amazonaws.com';
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nnot a real certificate\n-----END CERTIFICATE-----\n').toString('base64');

/**
 * The AWS answers `lab kubeconfig` reads. No published example holds this cluster, so the values
 * are dummies shaped as the API references' response syntax says, and the test asserts no more:
 * DescribeStacks `Stacks[].Outputs[].{OutputKey, OutputValue}`
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html), the
 * ConfigCommand output as aws-eks writes it (test/cluster-stack.test.ts checks the template), and
 * DescribeCluster `cluster.{arn, endpoint, status, certificateAuthority.data}`
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html).
 */
function deployedLab(status = 'ACTIVE') {
  const aws = mockedAws();
  // Anything else the command asked would be a call this fake does not model.
  aws.mocks.cloudFormation.onAnyCommand().rejects(new Error('unmodelled CloudFormation call'));
  aws.mocks.eks.onAnyCommand().rejects(new Error('unmodelled EKS call'));
  aws.mocks.cloudFormation.on(DescribeStacksCommand, { StackName: 'eks-oidc-demo' }).resolves({
    Stacks: [
      {
        StackName: 'eks-oidc-demo',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date('2026-11-26T12:00:00Z'),
        Outputs: [
          {
            OutputKey: 'eksoidcdemoConfigCommand3913F948',
            OutputValue: `aws eks update-kubeconfig --name eks-oidc-demo --region us-east-2 --role-arn ${ROLE_ARN}`,
          },
          { OutputKey: 'NodeRoleArn', OutputValue: `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-node` },
        ],
      },
    ],
  });
  aws.mocks.eks.on(DescribeClusterCommand, { name: 'eks-oidc-demo' }).resolves({
    cluster: {
      name: 'eks-oidc-demo',
      arn: CLUSTER_ARN,
      endpoint: ENDPOINT,
      status: status as 'ACTIVE',
      certificateAuthority: { data: CA_DATA },
    },
  });
  return aws;
}

async function kubeconfig(env: NodeJS.ProcessEnv, aws = deployedLab(), json = false) {
  const terminal = new CapturedTerminal();
  const code = await runLab(['kubeconfig', ...(json ? ['--json'] : [])], { terminal, env, connectAws: async () => aws.clients });
  return { code, terminal };
}

const home = () => mkdtempSync(join(tmpdir(), 'lab-kubeconfig-'));

describe('lab kubeconfig', () => {
  test('writes ~/.kube/config as `aws eks update-kubeconfig --role-arn <access role>` does, and the lab CLI then finds its context', async () => {
    // GIVEN a deployed lab and no kubeconfig yet
    const dir = home();
    // WHEN
    const { code, terminal } = await kubeconfig({ HOME: dir });
    // THEN the role comes out of the ConfigCommand output, not the whole command
    expect(code).toBe(ExitCode.OK);
    const path = join(dir, '.kube', 'config');
    const written = new KubeConfig();
    written.loadFromFile(path);
    expect(written.getCurrentContext()).toBe(CLUSTER_ARN);
    expect(written.getCurrentCluster()).toEqual(expect.objectContaining({ name: CLUSTER_ARN, server: ENDPOINT, caData: CA_DATA }));
    // awscli/customizations/eks/update_kubeconfig.py, get_user_entry: `aws eks get-token`, with --role for --role-arn.
    expect(written.getCurrentUser()?.exec).toEqual(
      expect.objectContaining({
        command: 'aws',
        args: ['--region', 'us-east-2', 'eks', 'get-token', '--cluster-name', 'eks-oidc-demo', '--output', 'json', '--role', ROLE_ARN],
      }),
    );
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadLabKubeConfig({ HOME: dir }).getCurrentContext()).toBe(CLUSTER_ARN);
    // AND the user is told what is now billing
    expect(terminal.text).toContain(`Added context ${CLUSTER_ARN} in ${path}, and made it current.`);
    expect(terminal.text).toContain('The lab bills by the hour until you destroy it');
    expect(terminal.text).toContain('`npx cdk destroy --all`');
  });

  test("keeps the kubeconfig's other clusters, and replaces its own entry on a second run", async () => {
    const dir = home();
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: kind-playground',
        '  cluster: {server: "https://127.0.0.1:6443"}',
        'users:',
        '- name: kind-playground',
        '  user: {token: abc}',
        'contexts:',
        '- name: kind-playground',
        '  context: {cluster: kind-playground, user: kind-playground}',
        'current-context: kind-playground',
        '',
      ].join('\n'),
    );
    await kubeconfig({ KUBECONFIG: path, AWS_PROFILE: 'lab' });
    const { terminal } = await kubeconfig({ KUBECONFIG: path, AWS_PROFILE: 'lab' });
    expect(terminal.text).toContain(`Updated context ${CLUSTER_ARN} in ${path}`);
    const written = new KubeConfig();
    written.loadFromFile(path);
    expect(written.getClusters().map((c) => c.name)).toEqual(['kind-playground', CLUSTER_ARN]);
    expect(written.getContexts().map((c) => c.name)).toEqual(['kind-playground', CLUSTER_ARN]);
    expect(written.getCurrentContext()).toBe(CLUSTER_ARN);
    // The AWS CLI passes the profile it ran with to `aws eks get-token`.
    expect(written.getCurrentUser()?.exec?.env).toEqual([{ name: 'AWS_PROFILE', value: 'lab' }]);
    expect(readFileSync(path, 'utf8')).toContain('token: abc');
  });

  test('--json names the file, the context and the role', async () => {
    const dir = home();
    const { terminal } = await kubeconfig({ HOME: dir }, deployedLab(), true);
    expect(terminal.json()).toEqual({
      path: join(dir, '.kube', 'config'),
      context: CLUSTER_ARN,
      server: ENDPOINT,
      roleArn: ROLE_ARN,
      updated: false,
    });
  });

  test('fails with one line when the cluster stack is not deployed', async () => {
    const aws = deployedLab();
    aws.mocks.cloudFormation.on(DescribeStacksCommand).rejects(
      Object.assign(new Error('Stack with id eks-oidc-demo does not exist'), {
        name: 'ValidationError',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const dir = home();
    const { code, terminal } = await kubeconfig({ HOME: dir }, aws);
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toBe(
      'The eks-oidc-demo stack is not deployed in us-east-2. Deploy the lab (`npx cdk deploy --all`), then retry.\n',
    );
  });

  test('fails while the cluster is still being created: it has no endpoint yet', async () => {
    const { code, terminal } = await kubeconfig({ HOME: home() }, deployedLab('CREATING'));
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toMatch(/^The eks-oidc-demo cluster is CREATING, so it has no endpoint yet\./);
  });

  test('under --json, a failure is a JSON document too', async () => {
    const { terminal } = await kubeconfig({ HOME: home() }, deployedLab('CREATING'), true);
    expect(terminal.json()).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/^The eks-oidc-demo cluster is CREATING/), exitCode: ExitCode.CANNOT_CHECK },
    });
  });
});

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
// client-node's YAML helpers pass an object of a kind they have no model for (a Config) through as is.
import { dumpYaml, loadYaml } from '@kubernetes/client-node';
import { LAB_CLUSTER } from '../../cluster-contract';
import type { AwsClients } from '../aws-clients';
import { ExitCode, LabError, firstLine } from '../errors';
import { Output } from '../output';

/** The command every hint names when there is no usable kubeconfig. */
export const KUBECONFIG_COMMAND = 'npm run lab -- kubeconfig';

/** What `lab kubeconfig` wrote. */
export interface KubeconfigResult {
  /** The file it wrote. */
  readonly path: string;
  /** The context it added or updated, and made current: the cluster's ARN, as `aws eks update-kubeconfig` names it. */
  readonly context: string;
  readonly server: string;
  /** The role `aws eks get-token` assumes: the cluster's access role, from the cluster stack's ConfigCommand output. */
  readonly roleArn: string;
  /** Whether the context was there already. */
  readonly updated: boolean;
}

export interface KubeconfigDeps {
  readonly aws: AwsClients;
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * `lab kubeconfig`: writes the kubeconfig entry for the lab's cluster, as `aws eks update-kubeconfig
 * --role-arn <access role>` (or `eksctl utils write-kubeconfig`) would, and makes it current.
 *
 * The cluster stack's ConfigCommand output holds that whole command, not the role; this reads the
 * role out of it, so nobody has to paste it.
 */
export async function runKubeconfig(deps: KubeconfigDeps): Promise<ExitCode> {
  const roleArn = await accessRoleArn(deps.aws);
  const cluster = await describeCluster(deps.aws);
  const path = kubeconfigPath(deps.env, cluster.arn);
  const config = readKubeconfig(path);
  const updated = config.clusters.some((entry) => entry.name === cluster.arn);
  upsert(config.clusters, { name: cluster.arn, cluster: { 'certificate-authority-data': cluster.caData, server: cluster.endpoint } });
  upsert(config.users, { name: cluster.arn, user: { exec: execEntry(roleArn, deps.env) } });
  upsert(config.contexts, { name: cluster.arn, context: { cluster: cluster.arn, user: cluster.arn } });
  config['current-context'] = cluster.arn;
  mkdirSync(dirname(path), { recursive: true });
  // The file holds no secret (the token comes from `aws eks get-token` each time), but kubectl
  // and the AWS CLI both write it readable by its owner only.
  writeFileSync(path, dumpKubeconfig(config), { mode: 0o600 });

  const result: KubeconfigResult = { path, context: cluster.arn, server: cluster.endpoint, roleArn, updated };
  deps.out.result(result);
  deps.out.say(`${updated ? 'Updated' : 'Added'} context ${cluster.arn} in ${path}, and made it current.`);
  deps.out.say(`kubectl now reaches ${cluster.endpoint} as ${roleArn} (through \`aws eks get-token\`).`);
  deps.out.say();
  deps.out.say('The lab bills by the hour until you destroy it: `npm run lab -- cost` prices it,');
  deps.out.say('`npx cdk destroy --all` removes it, and `npm run lab -- leftovers` checks that nothing is left.');
  return ExitCode.OK;
}

async function accessRoleArn(aws: AwsClients): Promise<string> {
  let outputs;
  try {
    outputs = (await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: LAB_CLUSTER.name }))).Stacks?.[0]?.Outputs ?? [];
  } catch (err) {
    // CloudFormation answers a missing stack with 400 ValidationError "Stack with id X does not
    // exist" (the response body quoted in boto/boto3#2807).
    if (/does not exist/.test(firstLine(err))) {
      throw new LabError(
        `The ${LAB_CLUSTER.name} stack is not deployed in ${LAB_CLUSTER.region}. Deploy the lab (\`npx cdk deploy --all\`), then retry.`,
      );
    }
    throw err;
  }
  // aws-eks names it <cluster id>ConfigCommand<hash>: `aws eks update-kubeconfig --name <name> --region <region> --role-arn <arn>`.
  const command = outputs.find((o) => o.OutputKey?.includes('ConfigCommand'))?.OutputValue;
  const roleArn = command ? /--role-arn (arn:\S+)/.exec(command)?.[1] : undefined;
  if (!roleArn) {
    throw new LabError(
      `The ${LAB_CLUSTER.name} stack has no ConfigCommand output naming its access role. Redeploy it (\`npx cdk deploy ${LAB_CLUSTER.name}\`), then retry.`,
    );
  }
  return roleArn;
}

interface ClusterAccess {
  readonly arn: string;
  readonly endpoint: string;
  readonly caData: string;
}

async function describeCluster(aws: AwsClients): Promise<ClusterAccess> {
  const cluster = (await aws.eks.send(new DescribeClusterCommand({ name: LAB_CLUSTER.name }))).cluster;
  // "The API server endpoint and certificate authority data aren't available until the cluster
  // reaches the ACTIVE state" (EKS API reference, DescribeCluster); the AWS CLI also accepts UPDATING.
  if (!cluster?.arn || !cluster.endpoint || !cluster.certificateAuthority?.data || !['ACTIVE', 'UPDATING'].includes(cluster.status ?? '')) {
    throw new LabError(
      `The ${LAB_CLUSTER.name} cluster is ${cluster?.status ?? 'not there'}, so it has no endpoint yet. Wait for \`npx cdk deploy --all\` to finish, then retry.`,
    );
  }
  return { arn: cluster.arn, endpoint: cluster.endpoint, caData: cluster.certificateAuthority.data };
}

/**
 * The credential plugin entry `aws eks update-kubeconfig` writes (aws-cli
 * awscli/customizations/eks/update_kubeconfig.py, `get_user_entry`): `aws eks get-token` for the
 * cluster, assuming the role with `--role`, and the profile it ran with.
 */
function execEntry(roleArn: string, env: NodeJS.ProcessEnv): Record<string, unknown> {
  return {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'aws',
    args: ['--region', LAB_CLUSTER.region, 'eks', 'get-token', '--cluster-name', LAB_CLUSTER.name, '--output', 'json', '--role', roleArn],
    ...(env.AWS_PROFILE ? { env: [{ name: 'AWS_PROFILE', value: env.AWS_PROFILE }] } : {}),
  };
}

/**
 * The file to write, chosen as the AWS CLI chooses it (update_kubeconfig.py, `KubeconfigSelector`):
 * the file of KUBECONFIG that already has the cluster, else KUBECONFIG's first, else ~/.kube/config.
 */
export function kubeconfigPath(env: NodeJS.ProcessEnv, clusterArn: string): string {
  const paths = (env.KUBECONFIG ?? '')
    .split(delimiter)
    .filter((p) => p.trim() !== '')
    .map((p) => resolve(p));
  if (paths.length === 0) return join(env.HOME ?? homedir(), '.kube', 'config');
  return paths.find((p) => existsSync(p) && readKubeconfig(p).clusters.some((c) => c.name === clusterArn)) ?? paths[0];
}

interface NamedEntry {
  readonly name: string;
  readonly [key: string]: unknown;
}

interface KubeconfigFile {
  clusters: NamedEntry[];
  users: NamedEntry[];
  contexts: NamedEntry[];
  'current-context'?: string;
  [key: string]: unknown;
}

function readKubeconfig(path: string): KubeconfigFile {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  let parsed: Record<string, unknown> = {};
  if (text.trim() !== '') {
    try {
      parsed = loadYaml<Record<string, unknown>>(text);
    } catch (err) {
      throw new LabError(`The kubeconfig ${path} is not valid YAML (${firstLine(err)}). Fix or move it, then retry.`);
    }
  }
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    ...parsed,
    clusters: (parsed.clusters as NamedEntry[] | null) ?? [],
    users: (parsed.users as NamedEntry[] | null) ?? [],
    contexts: (parsed.contexts as NamedEntry[] | null) ?? [],
  };
}

function dumpKubeconfig(config: KubeconfigFile): string {
  return dumpYaml(config);
}

/** Replaces the entry of the same name, or appends it, as the AWS CLI's KubeconfigAppender does. */
function upsert(entries: NamedEntry[], entry: NamedEntry): void {
  const index = entries.findIndex((e) => e.name === entry.name);
  if (index >= 0) entries[index] = entry;
  else entries.push(entry);
}

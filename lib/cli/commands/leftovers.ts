import { StackStatus, paginateListStacks } from '@aws-sdk/client-cloudformation';
import { paginateDescribeLogGroups } from '@aws-sdk/client-cloudwatch-logs';
import { Filter, paginateDescribeNetworkInterfaces, paginateDescribeSecurityGroups, paginateDescribeVpcs } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, paginateListClusters } from '@aws-sdk/client-eks';
import {
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KeyManagerType, KeyState, paginateListKeys } from '@aws-sdk/client-kms';
import { paginateListBuckets } from '@aws-sdk/client-s3';
import { FilterNameStringType, paginateListSecrets } from '@aws-sdk/client-secrets-manager';
import { LAB_CLUSTER } from '../../cluster-contract';
import { CI_ACCESS_STACK_NAME } from '../../lab-names';
import { AwsClients } from '../aws-clients';
import { ExitCode } from '../errors';
import { Output, mark } from '../output';

/** What kind of thing was left behind. */
export enum LeftoverKind {
  STACK = 'CloudFormation stack',
  EKS_CLUSTER = 'EKS cluster',
  OIDC_PROVIDER = 'IAM OIDC provider',
  IAM_ROLE = 'IAM role',
  IAM_USER = 'IAM user',
  VPC = 'VPC',
  NETWORK_INTERFACE = 'network interface',
  SECURITY_GROUP = 'security group',
  SECRET = 'Secrets Manager secret',
  KMS_KEY = 'KMS key',
  LOG_GROUP = 'CloudWatch log group',
  BUCKET = 'S3 bucket',
}

/** One thing of the lab still in the account. */
export interface Leftover {
  readonly kind: LeftoverKind;
  readonly id: string;
  /** Why it counts as the lab's, and its state. */
  readonly detail: string;
  /**
   * It is already on its way out and goes by itself: nothing to do.
   * @default false
   */
  readonly pending?: boolean;
}

const PREFIX = LAB_CLUSTER.name;
const REGION = LAB_CLUSTER.region;

/** The CI access stack is meant to stay: `cdk destroy --all` of the lab never deletes it. */
const kept = (name: string) => name === CI_ACCESS_STACK_NAME || name.startsWith(`${CI_ACCESS_STACK_NAME}-`);

/** Lists what of the lab is still in the account; every list is paginated. */
export async function findLeftovers(aws: AwsClients): Promise<Leftover[]> {
  const found: Leftover[][] = await Promise.all([
    stacks(aws),
    clustersAndProviders(aws),
    iamIdentities(aws),
    network(aws),
    secrets(aws),
    kmsKeys(aws),
    logGroups(aws),
    buckets(aws),
  ]);
  return found.flat();
}

async function stacks(aws: AwsClients): Promise<Leftover[]> {
  const live = Object.values(StackStatus).filter((status) => status !== StackStatus.DELETE_COMPLETE);
  const out: Leftover[] = [];
  for await (const page of paginateListStacks({ client: aws.cloudFormation }, { StackStatusFilter: live })) {
    for (const stack of page.StackSummaries ?? []) {
      if (stack.StackName?.startsWith(PREFIX) && !kept(stack.StackName))
        out.push({ kind: LeftoverKind.STACK, id: stack.StackName, detail: stack.StackStatus ?? '?' });
    }
  }
  return out;
}

async function clustersAndProviders(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  const issuers = new Set<string>();
  for await (const page of paginateListClusters({ client: aws.eks }, {})) {
    for (const name of page.clusters ?? []) {
      const { cluster } = await aws.eks.send(new DescribeClusterCommand({ name }));
      const issuer = cluster?.identity?.oidc?.issuer;
      if (issuer) issuers.add(issuer.replace(/^https:\/\//, ''));
      if (name === PREFIX) out.push({ kind: LeftoverKind.EKS_CLUSTER, id: name, detail: cluster?.status ?? '?' });
    }
  }
  // ListOpenIDConnectProviders returns every provider in one page.
  const { OpenIDConnectProviderList: providers = [] } = await aws.iam.send(new ListOpenIDConnectProvidersCommand({}));
  for (const { Arn: arn } of providers) {
    const hostPath = arn?.split(':oidc-provider/')[1];
    if (!arn || !hostPath?.startsWith(`oidc.eks.${REGION}.amazonaws.com/id/`)) continue;
    const provider = await aws.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const tagged = (provider.Tags ?? []).some((tag) => tag.Key?.includes(PREFIX) || tag.Value?.includes(PREFIX));
    if (tagged) out.push({ kind: LeftoverKind.OIDC_PROVIDER, id: arn, detail: `tagged ${PREFIX}` });
    else if (!issuers.has(hostPath))
      out.push({
        kind: LeftoverKind.OIDC_PROVIDER,
        id: arn,
        detail: `no cluster in ${REGION} has this issuer any more (orphaned; check it was the lab's)`,
      });
  }
  return out;
}

async function iamIdentities(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for await (const page of paginateListRoles({ client: aws.iam }, {})) {
    for (const role of page.Roles ?? []) {
      if (role.RoleName?.startsWith(PREFIX) && !kept(role.RoleName))
        out.push({ kind: LeftoverKind.IAM_ROLE, id: role.RoleName, detail: role.Arn ?? '' });
    }
  }
  for await (const page of paginateListUsers({ client: aws.iam }, {})) {
    for (const user of page.Users ?? []) {
      if (user.UserName?.startsWith(PREFIX))
        out.push({ kind: LeftoverKind.IAM_USER, id: user.UserName, detail: `${user.Arn ?? ''} (its access keys never expire)` });
    }
  }
  return out;
}

async function network(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  const vpcIds = new Set<string>();
  const vpcFilters: Filter[][] = [
    [{ Name: 'tag:Name', Values: [`*${PREFIX}*`] }],
    [{ Name: 'tag:aws:cloudformation:stack-name', Values: [PREFIX] }],
  ];
  for (const Filters of vpcFilters) {
    for await (const page of paginateDescribeVpcs({ client: aws.ec2 }, { Filters })) {
      for (const vpc of page.Vpcs ?? []) if (vpc.VpcId) vpcIds.add(vpc.VpcId);
    }
  }
  for (const id of vpcIds) out.push({ kind: LeftoverKind.VPC, id, detail: `tagged ${PREFIX}` });

  const interfaces = new Map<string, string>();
  const groups = new Map<string, string>();
  const byVpc: Filter[][] = vpcIds.size > 0 ? [[{ Name: 'vpc-id', Values: [...vpcIds] }]] : [];
  // The VPC CNI and EKS tag what they create with the cluster's name, even outside the lab VPC.
  for (const Filters of [...byVpc, [{ Name: 'tag:cluster.k8s.amazonaws.com/name', Values: [PREFIX] }]]) {
    for await (const page of paginateDescribeNetworkInterfaces({ client: aws.ec2 }, { Filters })) {
      for (const eni of page.NetworkInterfaces ?? []) {
        if (eni.NetworkInterfaceId)
          interfaces.set(eni.NetworkInterfaceId, `${eni.Status ?? '?'}${eni.Description ? `, ${eni.Description}` : ''}`);
      }
    }
  }
  for (const Filters of [...byVpc, [{ Name: 'tag:aws:eks:cluster-name', Values: [PREFIX] }]]) {
    for await (const page of paginateDescribeSecurityGroups({ client: aws.ec2 }, { Filters })) {
      for (const group of page.SecurityGroups ?? []) {
        // The default group goes with its VPC.
        if (group.GroupId && group.GroupName !== 'default') groups.set(group.GroupId, `${group.GroupName ?? ''} in ${group.VpcId ?? '?'}`);
      }
    }
  }
  for (const [id, detail] of interfaces) out.push({ kind: LeftoverKind.NETWORK_INTERFACE, id, detail });
  for (const [id, detail] of groups) out.push({ kind: LeftoverKind.SECURITY_GROUP, id, detail });
  return out;
}

async function secrets(aws: AwsClients): Promise<Leftover[]> {
  const found = new Map<string, string>();
  for (const Key of [FilterNameStringType.name, FilterNameStringType.tag_value]) {
    const pages = paginateListSecrets(
      { client: aws.secretsManager },
      { Filters: [{ Key, Values: [PREFIX] }], IncludePlannedDeletion: true },
    );
    for await (const page of pages) {
      for (const secret of page.SecretList ?? []) {
        if (!secret.Name) continue;
        // A secret waiting for deletion still blocks a new one of the same name.
        found.set(
          secret.Name,
          secret.DeletedDate
            ? `scheduled for deletion (${secret.DeletedDate.toISOString()}); a redeploy with this name fails until then`
            : (secret.ARN ?? ''),
        );
      }
    }
  }
  return [...found].map(([id, detail]) => ({ kind: LeftoverKind.SECRET, id, detail }));
}

/**
 * The cluster's Secrets encryption key. EKS Blueprints describes it as "Key for EKS
 * Cluster '<name>'". CloudFormation schedules it for deletion on destroy; KMS keeps it in
 * PendingDeletion for the waiting period (7 days here) and deletes it on DeletionDate
 * (KMS API reference, ScheduleKeyDeletion / KeyMetadata).
 */
async function kmsKeys(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for await (const page of paginateListKeys({ client: aws.kms }, {})) {
    for (const { KeyId: keyId } of page.Keys ?? []) {
      if (!keyId) continue;
      const { KeyMetadata: key } = await aws.kms.send(new DescribeKeyCommand({ KeyId: keyId }));
      if (key?.KeyManager !== KeyManagerType.CUSTOMER || !key.Description?.includes(`'${PREFIX}'`)) continue;
      if (key.KeyState === KeyState.PendingDeletion) {
        out.push({
          kind: LeftoverKind.KMS_KEY,
          id: keyId,
          detail: `pending deletion, deleted on ${key.DeletionDate?.toISOString() ?? 'an unknown date'}`,
          pending: true,
        });
      } else {
        out.push({ kind: LeftoverKind.KMS_KEY, id: keyId, detail: `${key.KeyState ?? '?'}: ${key.Description}` });
      }
    }
  }
  return out;
}

async function logGroups(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for (const prefix of [`/aws/eks/${PREFIX}/`, `/aws/lambda/${PREFIX}`]) {
    for await (const page of paginateDescribeLogGroups({ client: aws.logs }, { logGroupNamePrefix: prefix })) {
      for (const group of page.logGroups ?? []) {
        if (group.logGroupName)
          out.push({ kind: LeftoverKind.LOG_GROUP, id: group.logGroupName, detail: `${group.storedBytes ?? 0} bytes stored` });
      }
    }
  }
  return out;
}

/**
 * The lab's buckets in its region. CloudFormation names a bucket it names itself after the
 * stack and the logical id ("MyStack-MyBucket-abcdefghijk1", CloudFormation resource custom
 * naming), in lower case, so they start with the lab's prefix.
 */
async function buckets(aws: AwsClients): Promise<Leftover[]> {
  const out: Leftover[] = [];
  for await (const page of paginateListBuckets({ client: aws.s3 }, { Prefix: PREFIX, BucketRegion: REGION })) {
    for (const bucket of page.Buckets ?? []) {
      if (bucket.Name?.startsWith(PREFIX))
        out.push({
          kind: LeftoverKind.BUCKET,
          id: bucket.Name,
          detail: `created ${bucket.CreationDate?.toISOString() ?? '?'}; CloudFormation deletes only an empty bucket, so empty it first`,
        });
    }
  }
  return out;
}

/** `lab leftovers`: after `cdk destroy --all`, fails if anything of the lab is still there. */
export async function runLeftovers(deps: { aws: AwsClients; out: Output }): Promise<ExitCode> {
  const { aws, out } = deps;
  const progress = out.progress(`Looking for what is left of ${PREFIX} in ${REGION} and IAM`);
  const leftovers = await findLeftovers(aws);
  progress.stop();
  const remaining = leftovers.filter((l) => !l.pending);
  const pending = leftovers.filter((l) => l.pending);
  out.result({ region: REGION, leftovers: remaining, pending, ok: remaining.length === 0 });
  if (leftovers.length > 0) {
    out.table(
      ['kind', 'id', 'detail'],
      [...remaining, ...pending].map((l) => [l.kind, l.id, l.detail]),
    );
  }
  for (const item of pending) out.say(`- ${item.kind} ${item.id} is ${item.detail}: it goes by itself, nothing to do.`);
  if (remaining.length === 0) {
    out.say(
      `${mark(true)} Nothing of ${PREFIX} is left in ${REGION}${pending.length > 0 ? ' but what is pending deletion' : ''} (stacks, cluster, OIDC providers, IAM roles and users, VPC, ENIs, security groups, secrets, KMS keys, log groups, S3 buckets).`,
    );
    return ExitCode.OK;
  }
  out.say(
    `${mark(false)} ${remaining.length} thing(s) of ${PREFIX} are still in the account. Run \`npx cdk destroy --all\` again, then delete what remains by hand.`,
  );
  return ExitCode.CHECK_FAILED;
}

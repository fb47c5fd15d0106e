import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListAddonsCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { IRSA_ROLE_ANNOTATION } from '../../lab-names';
import { Clock, SYSTEM_CLOCK } from '../clock';
import { firstLine } from '../errors';
import { Output } from '../output';
import { Pacer, RATES } from './pacer';
import { DeniedCall, SnapshotDocuments, SnapshotFile } from './snapshot-layout';

/** The clients a live audit reads with; it only ever lists, describes and gets. */
export interface AuditClients {
  readonly eks: EKSClient;
  readonly iam: IAMClient;
  readonly ec2: EC2Client;
  /** GETs a Kubernetes API path of the current kubeconfig context, as JSON. */
  readonly kubeList: (path: string) => Promise<unknown>;
}

/** Error names AWS and Kubernetes use for a refused call (IAM and EKS AccessDenied*, EC2 UnauthorizedOperation, HTTP 403). */
function isDenied(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; statusCode?: number; code?: number; $metadata?: { httpStatusCode?: number } };
  return (
    /AccessDenied|UnauthorizedOperation|Forbidden/i.test(`${e.name ?? ''} ${e.Code ?? ''}`) ||
    e.statusCode === 403 ||
    e.code === 403 ||
    e.$metadata?.httpStatusCode === 403
  );
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw API output
type Json = Record<string, any>;

/**
 * Collects a snapshot of a live cluster, read-only, in the layout of SNAPSHOT_FILES. A denied call
 * is recorded as not verifiable and the collection goes on.
 */
export async function collectLive(
  clients: AuditClients,
  clusterName: string,
  options: { includeSecrets: boolean; out: Output; clock?: Clock },
): Promise<SnapshotDocuments> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const pacer = (perSecond: number) => new Pacer(perSecond, clock.now, clock.sleep);
  const pacers = { eks: pacer(RATES.eks), iam: pacer(RATES.iam), ec2: pacer(RATES.ec2), kubernetes: pacer(RATES.kubernetes) };
  const documents: SnapshotDocuments = {};
  const denied: DeniedCall[] = [];
  const progress = options.out.progress(`Collecting ${clusterName}`);
  let calls = 0;
  async function call<T>(file: SnapshotFile, action: string, pacer: Pacer, send: () => Promise<T>): Promise<T | undefined> {
    await pacer.pace();
    progress.update(`Collecting ${clusterName}: ${++calls} calls, now ${action}`);
    try {
      return await send();
    } catch (err) {
      if (!isDenied(err)) throw err;
      denied.push({ file, action, reason: firstLine(err) });
      return undefined;
    }
  }
  const eks = <T>(file: SnapshotFile, action: string, send: () => Promise<T>) => call(file, `eks:${action}`, pacers.eks, send);

  try {
    const cluster = (await eks('cluster', 'DescribeCluster', () => clients.eks.send(new DescribeClusterCommand({ name: clusterName })))) as
      Json | undefined;
    if (cluster) documents.cluster = { cluster: cluster.cluster };

    for (const [file, path] of [
      ['serviceAccounts', '/api/v1/serviceaccounts'],
      ['pods', '/api/v1/pods'],
      ['nodes', '/api/v1/nodes'],
      ...(options.includeSecrets ? [['secrets', '/api/v1/secrets']] : []),
    ] as [SnapshotFile, string][]) {
      const list = await call(file, `kubernetes list ${path.split('/').pop()}`, pacers.kubernetes, () => clients.kubeList(path));
      if (list !== undefined) (documents as Record<string, unknown>)[file] = file === 'secrets' ? keepOnlyKeyIds(list as Json) : list;
    }

    const groups = (await eks('nodeGroups', 'ListNodegroups', () => clients.eks.send(new ListNodegroupsCommand({ clusterName })))) as
      Json | undefined;
    if (groups) {
      const described: Json[] = [];
      for (const nodegroupName of (groups.nodegroups ?? []) as string[]) {
        const group = (await eks('nodeGroups', 'DescribeNodegroup', () =>
          clients.eks.send(new DescribeNodegroupCommand({ clusterName, nodegroupName })),
        )) as Json | undefined;
        if (group?.nodegroup) described.push(group.nodegroup);
      }
      documents.nodeGroups = described;
      const versions: Json[] = [];
      for (const template of described.map((g) => g.launchTemplate).filter(Boolean)) {
        const answer = (await call('launchTemplates', 'ec2:DescribeLaunchTemplateVersions', pacers.ec2, () =>
          clients.ec2.send(
            new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: template.id, Versions: [String(template.version)] }),
          ),
        )) as Json | undefined;
        versions.push(...((answer?.LaunchTemplateVersions ?? []) as Json[]));
      }
      documents.launchTemplates = versions;
    }

    const addons = (await eks('addons', 'ListAddons', () => clients.eks.send(new ListAddonsCommand({ clusterName })))) as Json | undefined;
    if (addons) documents.addons = { addons: addons.addons ?? [] };

    const associations: Json[] = [];
    let nextToken: string | undefined;
    let listed = true;
    do {
      const page = (await eks('associations', 'ListPodIdentityAssociations', () =>
        clients.eks.send(new ListPodIdentityAssociationsCommand({ clusterName, nextToken })),
      )) as Json | undefined;
      if (!page) {
        listed = false;
        break;
      }
      for (const summary of page.associations ?? []) {
        const described = (await eks('associations', 'DescribePodIdentityAssociation', () =>
          clients.eks.send(new DescribePodIdentityAssociationCommand({ clusterName, associationId: summary.associationId })),
        )) as Json | undefined;
        if (described?.association) associations.push(described.association);
      }
      nextToken = page.nextToken;
    } while (nextToken);
    if (listed) documents.associations = associations;

    // Every role an annotation, association or target names.
    const roleArns = new Set<string>([
      ...((documents.serviceAccounts as Json | undefined)?.items ?? [])
        .map((sa: Json) => sa.metadata?.annotations?.[IRSA_ROLE_ANNOTATION])
        .filter(Boolean),
      ...associations.flatMap((a) => [a.roleArn, a.targetRoleArn].filter(Boolean)),
    ]);
    const roles: Json[] = [];
    for (const arn of roleArns) {
      const name = arn.slice(arn.lastIndexOf('/') + 1);
      try {
        const role = (await call('roles', 'iam:GetRole', pacers.iam, () => clients.iam.send(new GetRoleCommand({ RoleName: name })))) as
          Json | undefined;
        if (role?.Role) roles.push(role.Role);
      } catch (err) {
        // A role that does not exist is a finding, not a failure to collect.
        if ((err as { name?: string }).name !== 'NoSuchEntityException') throw err;
      }
    }
    documents.roles = roles;

    const providers = (await call('providers', 'iam:ListOpenIDConnectProviders', pacers.iam, () =>
      clients.iam.send(new ListOpenIDConnectProvidersCommand({})),
    )) as Json | undefined;
    if (providers) {
      const issuerHostPath = String((documents.cluster as Json | undefined)?.cluster?.identity?.oidc?.issuer ?? '').replace(
        /^https:\/\//,
        '',
      );
      const wanted = ((providers.OpenIDConnectProviderList ?? []) as Json[])
        .map((p) => String(p.Arn))
        .filter((arn) => arn.endsWith(`:oidc-provider/${issuerHostPath}`));
      const got: Json = {};
      for (const arn of wanted) {
        const provider = (await call('providers', 'iam:GetOpenIDConnectProvider', pacers.iam, () =>
          clients.iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })),
        )) as Json | undefined;
        if (provider) got[arn] = withoutMetadata(provider);
      }
      documents.providers = got;
    }

    const instanceIds = ((documents.nodes as Json | undefined)?.items ?? [])
      .map((node: Json) => /\/(i-[0-9a-f]+)$/.exec(node.spec?.providerID ?? '')?.[1])
      .filter(Boolean) as string[];
    if (instanceIds.length > 0) {
      const instances = (await call('instances', 'ec2:DescribeInstances', pacers.ec2, () =>
        clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds })),
      )) as Json | undefined;
      if (instances) documents.instances = { Reservations: instances.Reservations ?? [] };
    }
  } finally {
    progress.stop();
  }
  for (const call of denied) delete documents[call.file];
  if (denied.length > 0) documents.notVerifiable = denied;
  return documents;
}

function withoutMetadata(answer: Json): Json {
  const { $metadata: _metadata, ...rest } = answer;
  return rest;
}

/** An access key id: AKIA for a long-term key, ASIA for a temporary one (IAM User Guide, reference_identifiers.html). */
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

/**
 * Secrets as the snapshot keeps them: every value blanked but an access key id, which alone is no
 * credential, so `--from` finds it again and the secret access key is never saved.
 */
function keepOnlyKeyIds(list: Json): Json {
  return {
    ...list,
    items: ((list.items ?? []) as Json[]).map((secret) => ({
      ...secret,
      data: Object.fromEntries(
        Object.entries((secret.data ?? {}) as Record<string, string>).map(([key, value]) => [
          key,
          ACCESS_KEY_ID.test(Buffer.from(value, 'base64').toString('utf8').trim()) ? value : '',
        ]),
      ),
    })),
  };
}

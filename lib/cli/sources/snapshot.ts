import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Association,
  ClusterModel,
  Container,
  EnvVar,
  KEPT_ENV_VALUES,
  MetadataOptions,
  ModelPart,
  Node,
  NodeGroup,
  OidcProvider,
  Pod,
  PolicyDocument,
  Role,
  Secret,
  ServiceAccount,
  SourceKind,
  accountOf,
} from '../../model/cluster-model';
import { IRSA_ROLE_ANNOTATION } from '../../lab-names';
import { LabError } from '../errors';
import { DeniedCall, SNAPSHOT_FILES, SnapshotDocuments, SnapshotFile } from './snapshot-layout';

/** Reads a snapshot directory. A file that is not there stays undefined: its checks are not verifiable. */
export function readSnapshotDir(dir: string): SnapshotDocuments {
  if (!existsSync(dir)) throw new LabError(`No snapshot directory ${dir}. Collect one with \`lab audit --cluster NAME --save ${dir}\`.`);
  const documents: SnapshotDocuments = {};
  const present = new Set(readdirSync(dir));
  for (const [name, { file }] of Object.entries(SNAPSHOT_FILES) as [SnapshotFile, { file: string }][]) {
    if (!present.has(file)) continue;
    try {
      documents[name] = JSON.parse(readFileSync(join(dir, file), 'utf8')) as never;
    } catch (err) {
      throw new LabError(`${join(dir, file)} is not JSON: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  if (Object.keys(documents).length === 0) {
    throw new LabError(
      `${dir} holds none of the snapshot files (${Object.values(SNAPSHOT_FILES)
        .map((f) => f.file)
        .join(', ')}).`,
    );
  }
  return documents;
}

/** Writes each document as the file a user would get from its command. */
export function writeSnapshotDir(dir: string, documents: SnapshotDocuments): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, value] of Object.entries(documents) as [SnapshotFile, unknown][]) {
    if (value === undefined) continue;
    writeFileSync(join(dir, SNAPSHOT_FILES[name].file), `${JSON.stringify(value, null, 2)}\n`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- raw command output, read defensively field by field
type Json = Record<string, any>;

const items = (list: unknown): Json[] => ((list as { items?: Json[] } | undefined)?.items ?? []) as Json[];
const array = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Builds the model from a snapshot's documents. */
export function modelFromSnapshot(documents: SnapshotDocuments, source: SourceKind = SourceKind.SNAPSHOT): ClusterModel {
  const missing: Partial<Record<ModelPart, string>> = {};
  const denied = new Map<SnapshotFile, DeniedCall>((documents.notVerifiable ?? []).map((call) => [call.file, call]));
  for (const [name, layout] of Object.entries(SNAPSHOT_FILES) as [SnapshotFile, (typeof SNAPSHOT_FILES)[SnapshotFile]][]) {
    const call = denied.get(name);
    for (const part of layout.parts) {
      if (call) missing[part] = `${call.action} denied`;
      else if (documents[name] === undefined) missing[part] = `${layout.file} is not in the snapshot`;
    }
  }
  // A role named but absent from roles.json exists nowhere we could read; a partial denial says why.
  const roleDenial = (documents.notVerifiable ?? []).find((call) => call.file === 'roles');
  if (roleDenial) missing.roleTrusts = `${roleDenial.action} denied`;

  const clusterDoc = ((documents.cluster as Json | undefined)?.cluster ?? {}) as Json;
  const clusterArn: string | undefined = clusterDoc.arn;
  return {
    source,
    cluster: {
      name: clusterDoc.name ?? '?',
      region: /^arn:[\w-]+:eks:([\w-]+):/.exec(clusterArn ?? '')?.[1],
      account: accountOf(clusterArn),
      issuer: clusterDoc.identity?.oidc?.issuer,
    },
    serviceAccounts: items(documents.serviceAccounts).map(serviceAccountOf),
    pods: items(documents.pods).map(podOf),
    roles: array(documents.roles).map((role) => roleOf(role, documents.rolePolicies as Json | undefined)),
    associations: array(documents.associations).map(associationOf),
    providers: Object.entries((documents.providers ?? {}) as Json).map(([arn, provider]) => providerOf(arn, provider as Json)),
    nodes: nodesOf(items(documents.nodes), documents.instances as Json | undefined),
    nodeGroups: array(documents.nodeGroups).map((group) => nodeGroupOf(group, array(documents.launchTemplates))),
    addons: array((documents.addons as Json | undefined)?.addons).map(String),
    secrets: items(documents.secrets).map(secretOf),
    missing,
  };
}

/** A service account as `kubectl get serviceaccounts -o json` lists it. */
export function serviceAccountOf(object: Json): ServiceAccount {
  return {
    namespace: object.metadata?.namespace ?? 'default',
    name: object.metadata?.name ?? '?',
    roleArn: object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION],
    createdAt: object.metadata?.creationTimestamp,
  };
}

function envOf(env: Json): EnvVar {
  const from =
    env.value !== undefined || !env.valueFrom
      ? 'literal'
      : env.valueFrom.secretKeyRef
        ? 'secret'
        : env.valueFrom.configMapKeyRef
          ? 'configMap'
          : env.valueFrom.fieldRef
            ? 'field'
            : 'other';
  return {
    name: String(env.name),
    from,
    secretName: env.valueFrom?.secretKeyRef?.name,
    // Only the webhook's non-secret values are kept; a static key never enters the model.
    value: KEPT_ENV_VALUES.has(env.name) ? env.value : undefined,
  };
}

function containerOf(container: Json): Container {
  return {
    name: container.name ?? '?',
    image: container.image,
    env: array(container.env).map(envOf),
    envFromSecrets: array(container.envFrom).flatMap((source) => (source.secretRef?.name ? [String(source.secretRef.name)] : [])),
  };
}

/** A pod as `kubectl get pods -o json` lists it. */
export function podOf(object: Json): Pod {
  const spec = object.spec ?? {};
  return {
    namespace: object.metadata?.namespace ?? 'default',
    name: object.metadata?.name ?? '?',
    // The API server fills in `default` when a pod names no service account.
    serviceAccount: spec.serviceAccountName ?? spec.serviceAccount ?? 'default',
    nodeName: spec.nodeName,
    hostNetwork: spec.hostNetwork === true,
    containers: [...array(spec.initContainers), ...array(spec.containers)].map(containerOf),
    createdAt: object.metadata?.creationTimestamp,
    phase: object.status?.phase,
  };
}

/** GetRole returns the trust URL-encoded; the CLI prints it decoded (IAM API reference, GetRole). */
export function trustOf(document: unknown): PolicyDocument {
  if (typeof document === 'string') return JSON.parse(decodeURIComponent(document)) as PolicyDocument;
  return (document ?? {}) as PolicyDocument;
}

function roleOf(role: Json, rolePolicies: Json | undefined): Role {
  const policies = rolePolicies?.[role.RoleName] as Json[] | undefined;
  return {
    arn: role.Arn,
    name: role.RoleName,
    trust: trustOf(role.AssumeRolePolicyDocument),
    policies: policies?.map((policy) => trustOf(policy.PolicyDocument)),
  };
}

function associationOf(association: Json): Association {
  return {
    id: association.associationId ?? '?',
    namespace: association.namespace,
    serviceAccount: association.serviceAccount,
    roleArn: association.roleArn,
    targetRoleArn: association.targetRoleArn ?? undefined,
    disableSessionTags: association.disableSessionTags === true,
    policy: association.policy ?? undefined,
    createdAt: association.createdAt === undefined ? undefined : String(association.createdAt),
  };
}

function providerOf(arn: string, provider: Json): OidcProvider {
  return {
    arn,
    hostPath: String(provider.Url ?? arn.split(':oidc-provider/')[1] ?? '').replace(/^https:\/\//, ''),
    clientIds: array(provider.ClientIDList).map(String),
  };
}

function metadataOf(options: Json | undefined): MetadataOptions | undefined {
  if (!options) return undefined;
  return { httpTokens: options.HttpTokens, hopLimit: options.HttpPutResponseHopLimit };
}

function nodesOf(nodes: Json[], instances: Json | undefined): Node[] {
  const byId = new Map<string, Json>(
    array(instances?.Reservations)
      .flatMap((reservation) => array(reservation.Instances))
      .map((instance) => [String(instance.InstanceId), instance]),
  );
  return nodes.map((node) => {
    // providerID is aws:///<zone>/<instance id> on EC2 nodes (cloud-provider-aws).
    const instanceId = /\/(i-[0-9a-f]+)$/.exec(node.spec?.providerID ?? '')?.[1];
    return {
      name: node.metadata?.name ?? '?',
      instanceId,
      metadata: metadataOf(instanceId ? byId.get(instanceId)?.MetadataOptions : undefined),
    };
  });
}

function nodeGroupOf(group: Json, versions: Json[]): NodeGroup {
  const template = group.launchTemplate as Json | undefined;
  const version = versions.find(
    (v) =>
      (v.LaunchTemplateId === template?.id || v.LaunchTemplateName === template?.name) &&
      String(v.VersionNumber) === String(template?.version),
  );
  return {
    name: group.nodegroupName ?? '?',
    launchTemplate: template ? `${template.name ?? template.id}@${template.version}` : undefined,
    metadata: metadataOf(version?.LaunchTemplateData?.MetadataOptions),
  };
}

/** An access key id: AKIA for a user's long-term key, ASIA for a temporary one (IAM User Guide, reference_identifiers.html#identifiers-unique-ids). */
const ACCESS_KEY_ID = /^(AKIA|ASIA)[A-Z0-9]{16}$/;

function secretOf(object: Json): Secret {
  const data = (object.data ?? {}) as Record<string, string>;
  return {
    namespace: object.metadata?.namespace ?? 'default',
    name: object.metadata?.name ?? '?',
    accessKeyKeys: Object.entries(data)
      .filter(([, value]) => ACCESS_KEY_ID.test(Buffer.from(String(value), 'base64').toString('utf8').trim()))
      .map(([key]) => key),
  };
}

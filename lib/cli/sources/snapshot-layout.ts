import { ModelPart } from '../../model/cluster-model';

/**
 * A snapshot is a directory of raw JSON, each file the unchanged output of one command, so a user
 * can build one by hand. The README's "Audit any cluster" section documents the same table.
 */
export const SNAPSHOT_FILES = {
  cluster: { file: 'cluster.json', command: 'aws eks describe-cluster --name N', parts: ['cluster'] },
  nodeGroups: {
    file: 'nodegroups.json',
    command: 'a JSON array of `aws eks describe-nodegroup` → .nodegroup',
    parts: ['nodeGroups'],
  },
  launchTemplates: {
    file: 'launch-templates.json',
    command: "a JSON array of `aws ec2 describe-launch-template-versions` → .LaunchTemplateVersions[], the node groups' versions",
    parts: ['launchTemplates'],
  },
  addons: { file: 'addons.json', command: 'aws eks list-addons --cluster-name N', parts: ['addons'] },
  associations: {
    file: 'pod-identity-associations.json',
    command: 'a JSON array of `aws eks describe-pod-identity-association` → .association, one per association',
    parts: ['associations'],
  },
  providers: {
    file: 'oidc-providers.json',
    command: 'an object from provider ARN to `aws iam get-open-id-connect-provider` output',
    parts: ['providers'],
  },
  roles: {
    file: 'roles.json',
    command: 'a JSON array of `aws iam get-role` → .Role, for every role an annotation, association or target names',
    parts: ['roles'],
  },
  rolePolicies: {
    file: 'role-policies.json',
    command:
      'an object from role name to a JSON array of `aws iam get-role-policy` outputs, for the roles and target roles of associations',
    parts: [],
  },
  instances: { file: 'instances.json', command: "aws ec2 describe-instances for the nodes' instances", parts: ['instances'] },
  serviceAccounts: { file: 'serviceaccounts.json', command: 'kubectl get serviceaccounts -A -o json', parts: ['serviceAccounts'] },
  pods: { file: 'pods.json', command: 'kubectl get pods -A -o json', parts: ['pods'] },
  nodes: { file: 'nodes.json', command: 'kubectl get nodes -o json', parts: ['nodes'] },
  secrets: { file: 'secrets.json', command: 'kubectl get secrets -A -o json (only with --include-secrets)', parts: ['secrets'] },
  notVerifiable: {
    file: 'not-verifiable.json',
    command: 'written by `lab audit --save`: a JSON array of {file, action, reason} for each denied call',
    parts: [],
  },
} as const satisfies Record<string, { file: string; command: string; parts: readonly ModelPart[] }>;

export type SnapshotFile = keyof typeof SNAPSHOT_FILES;

/** A denied call: what it would have filled, and the action to grant. */
export interface DeniedCall {
  readonly file: SnapshotFile;
  readonly action: string;
  readonly reason: string;
}

/** The raw documents of a snapshot, in memory: read from a directory, collected live, or built from the assembly. */
export type SnapshotDocuments = { -readonly [F in SnapshotFile]?: unknown } & { notVerifiable?: DeniedCall[] };

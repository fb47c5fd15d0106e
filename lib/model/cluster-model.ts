/**
 * One model of how a cluster's pods get AWS credentials: service accounts, pods, roles,
 * associations, providers and nodes. Three sources build it (the synthesized assembly, the
 * deployed lab, a snapshot of any cluster) and every rule of `lab doctor` and `lab audit` reads it.
 * It imports nothing, so the CDK app and the CLI can both reach it.
 */

/** Where a model came from. */
export enum SourceKind {
  /** The synthesized cloud assembly, as the deploy would leave the cluster. */
  ASSEMBLY = 'assembly',
  /** The deployed lab, read live from AWS and the cluster by `lab doctor`. */
  DEPLOYED = 'deployed',
  /** A snapshot collected from a live cluster, or built by hand. */
  SNAPSHOT = 'snapshot',
}

/** One IAM policy statement, as IAM stores it. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect?: string;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Principal?:
    | string
    | {
        readonly AWS?: string | readonly string[];
        readonly Service?: string | readonly string[];
        readonly Federated?: string | readonly string[];
      };
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[] | boolean>>>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement?: PolicyStatement | readonly PolicyStatement[];
}

/** Where an env var's value comes from. Values are kept only for the names in KEPT_ENV_VALUES. */
export interface EnvVar {
  readonly name: string;
  readonly from: 'literal' | 'secret' | 'configMap' | 'field' | 'other';
  /** The Secret a `secretKeyRef` reads. */
  readonly secretName?: string;
  readonly value?: string;
}

/** Env var values the rules need, none of them secret: which role, which token file, which endpoint. */
export const KEPT_ENV_VALUES: ReadonlySet<string> = new Set([
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
]);

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly env: readonly EnvVar[];
  /** Secrets whose every key becomes an env var (`envFrom.secretRef`). */
  readonly envFromSecrets: readonly string[];
}

export interface ServiceAccount {
  readonly namespace: string;
  readonly name: string;
  /** The `eks.amazonaws.com/role-arn` annotation. */
  readonly roleArn?: string;
  readonly createdAt?: string;
}

export interface Pod {
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  readonly nodeName?: string;
  readonly hostNetwork: boolean;
  readonly containers: readonly Container[];
  readonly createdAt?: string;
  readonly phase?: string;
}

export interface Role {
  readonly arn: string;
  readonly name: string;
  readonly trust: PolicyDocument;
  /**
   * The role's identity policies, inline and managed.
   * @default - not collected: a rule that needs them says it could not verify
   */
  readonly policies?: readonly PolicyDocument[];
}

export interface Association {
  readonly id: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly roleArn: string;
  readonly targetRoleArn?: string;
  readonly disableSessionTags: boolean;
  /** The session policy, as the JSON text EKS holds. */
  readonly policy?: string;
  readonly createdAt?: string;
}

export interface OidcProvider {
  readonly arn: string;
  /** The issuer's host and path, without `https://`, as IAM keys its conditions. */
  readonly hostPath: string;
  readonly clientIds: readonly string[];
}

/** IMDS settings of an instance or a launch template. */
export interface MetadataOptions {
  readonly httpTokens?: string;
  readonly hopLimit?: number;
}

export interface Node {
  readonly name: string;
  readonly instanceId?: string;
  /** @default - the instance was not collected */
  readonly metadata?: MetadataOptions;
}

/** A managed node group and the IMDS settings its launch template gives future nodes. */
export interface NodeGroup {
  readonly name: string;
  /** The launch template as `name-or-id@version`, if the node group has one. */
  readonly launchTemplate?: string;
  /** @default - no launch template, or its version was not collected */
  readonly metadata?: MetadataOptions;
}

/** A Secret, reduced to which keys hold AWS access key ids. Values never enter the model. */
export interface Secret {
  readonly namespace: string;
  readonly name: string;
  /** Keys whose value looks like an access key id (`AKIA…`, `ASIA…`). */
  readonly accessKeyKeys: readonly string[];
}

export interface Cluster {
  readonly name: string;
  readonly region?: string;
  readonly account?: string;
  /** The OIDC issuer URL, `https://oidc.eks.<region>.amazonaws.com/id/<ID>`. */
  readonly issuer?: string;
}

/** A part of the model its source could not supply, and why: the rules that need it cannot verify. */
export type ModelPart =
  | 'cluster'
  | 'serviceAccounts'
  | 'pods'
  | 'nodes'
  | 'roles'
  | 'roleTrusts'
  | 'providers'
  | 'associations'
  | 'instances'
  | 'nodeGroups'
  | 'launchTemplates'
  | 'addons'
  | 'secrets';

export interface ClusterModel {
  readonly source: SourceKind;
  readonly cluster: Cluster;
  readonly serviceAccounts: readonly ServiceAccount[];
  readonly pods: readonly Pod[];
  readonly roles: readonly Role[];
  readonly associations: readonly Association[];
  readonly providers: readonly OidcProvider[];
  readonly nodes: readonly Node[];
  readonly nodeGroups: readonly NodeGroup[];
  /** Names of the cluster's EKS add-ons. */
  readonly addons: readonly string[];
  readonly secrets: readonly Secret[];
  /** Why each missing part is missing, e.g. `iam:GetRole denied` or `roles.json not in the snapshot`. */
  readonly missing: Readonly<Partial<Record<ModelPart, string>>>;
}

/** `namespace/name`. */
export function keyOf(object: { readonly namespace: string; readonly name: string }): string {
  return `${object.namespace}/${object.name}`;
}

/** The account of an ARN, if it has one. */
export function accountOf(arn: string | undefined): string | undefined {
  return /^arn:[\w-]+:[\w-]*:[\w-]*:(\d{12}|\$\{AWS::AccountId\}):/.exec(arn ?? '')?.[1];
}

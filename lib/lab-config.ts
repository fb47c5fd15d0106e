import { editDistance } from './model/edit-distance';

/**
 * How the node's instance metadata service (IMDS) answers pods.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html
 */
export enum ImdsMode {
  /** IMDSv2 with hop limit 2: a pod's request survives the extra network hop, so pods can reach the node role. */
  OPEN = 'open',
  /**
   * IMDSv2 required with hop limit 1: the token response dies at the pod's network namespace, and
   * IMDS refuses the token-less GET the SDK tries next, so pods cannot reach the node role.
   */
  LOCKED = 'locked',
  /**
   * Hop limit 1 with IMDSv1 still allowed: the hop limit stops only the IMDSv2 token PUT, so the
   * SDK falls back to a plain IMDSv1 GET, and pods reach the node role again.
   */
  LEAKY = 'leaky',
}

/**
 * Where the CI access stack gets GitHub's OIDC provider. IAM accepts one provider per URL
 * in an account, so an account that already trusts GitHub Actions must reuse it.
 * @see https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html
 */
export enum GithubOidcProviderMode {
  /** The stack creates the provider for `token.actions.githubusercontent.com`. */
  CREATE = 'create',
  /** The account already has it; the stack only references it. */
  EXISTING = 'existing',
}

/** The one GitHub repository and branch whose workflow may run the lab's end-to-end test. */
export interface CiAccessConfig {
  /** `OWNER/REPO`, exactly as GitHub spells it in the token's `sub` claim. */
  readonly repository: string;
  /** The branch the workflow is dispatched from. */
  readonly branch: string;
  /** Whether the stack creates GitHub's OIDC provider or reuses the account's. */
  readonly provider: GithubOidcProviderMode;
}

/** The lab's settings, parsed once from CDK context. */
export interface LabConfig {
  /** The AWS CLI image every lab pod runs, pinned to a tag. */
  readonly awsCliImage: string;
  /** Whether the node role is granted `s3:ListAllMyBuckets`, to show the over-privilege. */
  readonly nodeRoleS3Access: boolean;
  /** Whether pods can reach the node role through IMDS. */
  readonly imds: ImdsMode;
  /**
   * One known mistake to deploy on purpose into the scenario it belongs to.
   * @default - no drill: every scenario is deployed as it should be
   */
  readonly drill?: Drill;
  /**
   * The CI access stack's settings; set only when deploying that stack by hand.
   * @default - no CI access stack: `cdk deploy --all` and `cdk destroy --all` never touch it
   */
  readonly ciAccess?: CiAccessConfig;
}

/**
 * The image every lab pod runs: the AWS CLI from Amazon ECR Public, which the AWS CLI user guide
 * recommends over Docker Hub and its anonymous-pull rate limits ("Deciding between Amazon ECR
 * Public and Docker Hub"). The tag is published for linux/arm64, the Graviton node's platform,
 * and the CLI in it is new enough for EKS Pod Identity (2.15.0 or later).
 * @see https://docs.aws.amazon.com/cli/latest/userguide/getting-started-docker.html
 */
export const DEFAULT_AWS_CLI_IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.0';

/** The context keys the lab reads, with the values each accepts. */
export const CONTEXT_KEYS = {
  awsCliImage: 'awsCliImage',
  nodeRoleS3Access: 'nodeRoleS3Access',
  imds: 'imds',
  drill: 'drill',
  ciAccessRepository: 'ciAccessRepository',
  ciAccessBranch: 'ciAccessBranch',
  ciAccessProvider: 'ciAccessProvider',
} as const;

/**
 * Context keys of the CDK itself that have no namespace. Every other key of the CDK has one:
 * feature flags (`@aws-cdk/aws-eks:...`), the CLI's settings (`aws:cdk:...`) and cached lookups
 * (`availability-zones:account=...`) all hold a `:`.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/context.html
 */
const CDK_PLAIN_KEYS: ReadonlySet<string> = new Set([
  // cdk.json's opt-out of the CLI's telemetry (CDK developer guide, "Configure CDK CLI telemetry").
  'cli-telemetry',
  // Where `cdk acknowledge` records the notices it hides (CDK developer guide, "CDK CLI notices").
  'acknowledged-issue-numbers',
]);

/**
 * Refuses a context key the lab does not read, naming the nearest key it does. `-c imd=locked`
 * would otherwise synthesize the defaults as if nothing was asked.
 */
export function assertKnownContextKeys(context: Readonly<Record<string, unknown>>): void {
  const known: readonly string[] = Object.values(CONTEXT_KEYS);
  for (const [key, value] of Object.entries(context)) {
    if (known.includes(key) || CDK_PLAIN_KEYS.has(key) || /[:/@]/.test(key)) continue;
    const nearest = nearestKey(key, known);
    throw new Error(
      `Unknown context key '${key}' (got ${JSON.stringify(value)})${nearest ? `: did you mean '${nearest}'?` : '.'} The lab reads ${known.join(', ')}.`,
    );
  }
}

/** The known key a typo most likely meant: the same but for case, its start, or at most a third of its letters off. */
function nearestKey(key: string, known: readonly string[]): string | undefined {
  const prefixOf = known.filter((candidate) => key.length >= 3 && candidate.toLowerCase().startsWith(key.toLowerCase()));
  if (prefixOf.length === 1) return prefixOf[0];
  const ranked = known
    .map((candidate) => ({ candidate, distance: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
    .sort((a, b) => a.distance - b.distance);
  const best = ranked[0];
  return best && best.distance <= Math.max(2, Math.floor(best.candidate.length / 3)) ? best.candidate : undefined;
}

/** The branch CI access trusts unless `ciAccessBranch` names another. */
export const DEFAULT_CI_ACCESS_BRANCH = 'main';

/** Reads a context value: `app.node.tryGetContext` in the app, a plain record in tests. */
export type ContextReader = (key: string) => unknown;

/**
 * Parses and validates the lab's context. A wrong value throws an error naming
 * the key, the value it got and the values it accepts.
 */
export function parseLabConfig(read: ContextReader): LabConfig {
  return {
    awsCliImage: parseImage(CONTEXT_KEYS.awsCliImage, read(CONTEXT_KEYS.awsCliImage)),
    nodeRoleS3Access: parseBoolean(CONTEXT_KEYS.nodeRoleS3Access, read(CONTEXT_KEYS.nodeRoleS3Access), false),
    imds: parseEnum(CONTEXT_KEYS.imds, read(CONTEXT_KEYS.imds), ImdsMode, ImdsMode.OPEN),
    drill: parseDrill(read(CONTEXT_KEYS.drill)),
    ciAccess: parseCiAccess(read),
  };
}

// GitHub owners: letters, digits and single inner hyphens, at most 39; repositories add '.' and '_'.
const GITHUB_REPOSITORY = /^(?=[^/]{1,39}\/)[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}\/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$/;
// A branch as git allows it, minus what would change the meaning of an exact `sub`: no
// wildcards, no `refs/` prefix, no `..`, no leading or trailing `/` or `.`.
const GIT_BRANCH = /^(?!refs\/)(?![/.-])(?!.*(?:\.\.|\/\/|\/\.|@\{|\.lock$|[/.]$))[A-Za-z0-9._/-]{1,200}$/;

function parseCiAccess(read: ContextReader): CiAccessConfig | undefined {
  const repository = read(CONTEXT_KEYS.ciAccessRepository);
  const branch = read(CONTEXT_KEYS.ciAccessBranch);
  const provider = read(CONTEXT_KEYS.ciAccessProvider);
  if (repository === undefined) {
    // A branch or provider alone is a typo in the repository key, never a request for no stack.
    if (branch !== undefined)
      throw invalid(CONTEXT_KEYS.ciAccessBranch, branch, `no value unless ${CONTEXT_KEYS.ciAccessRepository} is set`);
    if (provider !== undefined)
      throw invalid(CONTEXT_KEYS.ciAccessProvider, provider, `no value unless ${CONTEXT_KEYS.ciAccessRepository} is set`);
    return undefined;
  }
  if (typeof repository !== 'string' || !GITHUB_REPOSITORY.test(repository)) {
    throw invalid(CONTEXT_KEYS.ciAccessRepository, repository, '<owner>/<repository> without wildcards, e.g. octo-org/octo-repo');
  }
  if (branch !== undefined && (typeof branch !== 'string' || !GIT_BRANCH.test(branch))) {
    throw invalid(CONTEXT_KEYS.ciAccessBranch, branch, 'a branch name without wildcards or refs/heads/, e.g. main or release/1.x');
  }
  return {
    repository,
    branch: branch ?? DEFAULT_CI_ACCESS_BRANCH,
    provider: parseEnum(CONTEXT_KEYS.ciAccessProvider, provider, GithubOidcProviderMode, GithubOidcProviderMode.CREATE),
  };
}

function parseBoolean(key: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  // `-c key=true` arrives as a string, cdk.json may hold a real boolean.
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw invalid(key, value, 'true|false');
}

function parseEnum<T extends string>(key: string, value: unknown, choices: Record<string, T>, fallback: T): T {
  if (value === undefined) return fallback;
  const allowed = Object.values(choices);
  const match = allowed.find((choice) => choice === value);
  if (match === undefined) throw invalid(key, value, allowed.join('|'));
  return match;
}

// The AWS CLI image from ECR Public or Docker Hub, pinned to a tag: a moving tag like `latest`
// would make each deploy differ.
const PINNED_IMAGE = /^(public\.ecr\.aws\/aws-cli\/aws-cli|amazon\/aws-cli):(?!latest$)[\w][\w.-]{0,127}$/;

function parseImage(key: string, value: unknown): string {
  if (value === undefined) return DEFAULT_AWS_CLI_IMAGE;
  if (typeof value === 'string' && PINNED_IMAGE.test(value)) return value;
  throw invalid(key, value, 'public.ecr.aws/aws-cli/aws-cli:<tag> or amazon/aws-cli:<tag>, pinned to a tag other than latest');
}

/** The same AWS CLI image repository at another tag, e.g. a release too old for a credential mode. */
export function awsCliImageAt(image: string, tag: string): string {
  return `${image.slice(0, image.lastIndexOf(':'))}:${tag}`;
}

function invalid(key: string, value: unknown, allowed: string): Error {
  return new Error(
    `Invalid context value for '${key}': got ${JSON.stringify(value)}, expected ${allowed}. Pass it as -c ${key}=<value> or set it in cdk.json.`,
  );
}

// ---- Drills: known mistakes, deployed on purpose ----

/**
 * The mistakes the lab can deploy on purpose, one at a time, with `-c drill=<name>`. Each one
 * breaks the scenario it belongs to and nothing else; `lib/drills.ts` says what each breaks and
 * `lib/scenarios.ts` what its pods then show.
 */
export enum Drill {
  /** The IRSA role's trust requires `aud` = `sts.amazon.com`, a typo of `sts.amazonaws.com`. */
  IRSA_AUD_TYPO = 'irsa-aud-typo',
  /** The IAM OIDC provider lists client id `sts.amazon.com` instead of `sts.amazonaws.com`. */
  IRSA_CLIENT_ID_TYPO = 'irsa-client-id-typo',
  /** The IRSA role's trust names the service account in another namespace. */
  IRSA_WRONG_NAMESPACE = 'irsa-wrong-namespace',
  /** The IRSA service account lacks the role annotation, so the webhook injects nothing. */
  IRSA_NO_ANNOTATION = 'irsa-no-annotation',
  /** IAM has no OIDC provider for the cluster's issuer: the lab's provider names another issuer. */
  IRSA_NO_OIDC_PROVIDER = 'irsa-no-oidc-provider',
  /** The Pod Identity role trusts `sts:AssumeRole` without `sts:TagSession`. */
  POD_IDENTITY_NO_TAG_SESSION = 'pod-identity-no-tag-session',
  /** The Pod Identity pods are created before their association exists. */
  POD_IDENTITY_PODS_FIRST = 'pod-identity-pods-first',
}

/**
 * Parses a drill name, from context or from template metadata.
 * @returns undefined when no drill is set
 */
export function parseDrill(value: unknown): Drill | undefined {
  if (value === undefined) return undefined;
  const drills = Object.values(Drill);
  const drill = drills.find((name) => name === value);
  if (drill === undefined) {
    throw new Error(`${invalid(CONTEXT_KEYS.drill, value, drills.join('|')).message} \`npm run lab -- drill\` says what each one breaks.`);
  }
  return drill;
}

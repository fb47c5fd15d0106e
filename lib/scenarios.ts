import { LAB_CLUSTER } from './cluster-contract';
import { Drill, ImdsMode } from './lab-config';

/** The AWS CLI's return codes the lab's pods end with; 255 is any other error the CLI raises. */
const AWS_CLI_EXIT = { OK: 0, NO_CREDENTIALS: 253, SERVICE_ERROR: 254, OTHER_ERROR: 255 } as const;

/** Each way a pod can get AWS credentials, as one scenario of the lab. */
export enum ScenarioId {
  /** No credentials of its own: the SDK falls back to IMDS and gets the node role. */
  NODE_ROLE = 'node-role',
  /** A pod in another namespace on the same node, to show the node role is shared. */
  BYSTANDER = 'bystander',
  /** Long-lived IAM user keys from a Kubernetes Secret. */
  SECRET_INJECTED = 'secret-injected',
  /** IAM Roles for Service Accounts: a projected OIDC token exchanged with STS. */
  IRSA = 'irsa',
  /** EKS Pod Identity: the node agent exchanges the pod's token for role credentials. */
  POD_IDENTITY = 'pod-identity',
  /** An AWS CLI too old for EKS Pod Identity, on the Pod Identity service account: it fails loudly. */
  OLD_SDK = 'old-sdk',
  /** IRSA and Pod Identity on one service account: container credentials win, the annotation is ignored. */
  PRECEDENCE = 'precedence',

  // EKS Pod Identity's features: session tags (since its launch, November 2023), target roles
  // (2025-06-11) and session policies (March 2026). One stack, eks-oidc-demo-pod-identity-advanced.
  /** ABAC: one role for two teams; the `kubernetes-namespace` session tag picks the prefix team-a may read. */
  ABAC_TEAM_A = 'abac-team-a',
  /** ABAC: the same role, from namespace team-b. */
  ABAC_TEAM_B = 'abac-team-b',
  /** An association with a target role: EKS assumes the association's role, then the target role. */
  ROLE_CHAINING = 'role-chaining',
  /** An association with session tags disabled and a session policy that narrows its role. */
  SESSION_POLICY = 'session-policy',
}

/** Who AWS sees as the caller, as `sts get-caller-identity` and CloudTrail report it. */
export enum CallerKind {
  /** `assumed-role/<NodeInstanceRole>/i-…`, delivered by IMDS (`ec2RoleDelivery 2.0`). */
  NODE_ROLE = 'node-role',
  /** `user/<name>`: a long-lived access key. */
  IAM_USER = 'iam-user',
  /** `assumed-role/<role>/botocore-session-…`, from `AssumeRoleWithWebIdentity`. */
  WEB_IDENTITY_ROLE = 'web-identity-role',
  /** `assumed-role/<role>/eks-<cluster>-…`, from `AssumeRoleForPodIdentity`. */
  POD_IDENTITY_ROLE = 'pod-identity-role',
  /** `assumed-role/<target role>/…`: EKS Pod Identity assumed the association's role, then its target role. */
  TARGET_ROLE = 'target-role',
  /** The pod got no credentials: the SDK found none, or the exchange for them was refused. */
  NONE = 'none',
}

/** The phase a `restartPolicy: Never` pod ends in. */
export enum PodPhase {
  SUCCEEDED = 'Succeeded',
  FAILED = 'Failed',
}

/** What the lab expects of a scenario's `s3 ls` pod and of its identity. */
export interface ExpectedOutcome {
  /** The phase the `s3 ls` pod ends in. */
  readonly phase: PodPhase;
  /**
   * The AWS CLI's exit code: 0 on success, 253 when it found no credentials,
   * 254 when the service answered with an error.
   * @see https://docs.aws.amazon.com/cli/latest/userguide/cli-usage-returncodes.html
   */
  readonly exitCode: number;
  /**
   * A line the `s3 ls` pod's log must contain.
   * @default - any log: a successful `s3 ls` prints one line per bucket, or nothing
   */
  readonly logSignature?: string;
  /** The kind of caller the scenario's identity resolves to. */
  readonly caller: CallerKind;
  /**
   * How IMDS delivered the node role, as CloudTrail's `userIdentity.sessionContext.ec2RoleDelivery` says:
   * `2.0` through an IMDSv2 token, `1.0` through a plain IMDSv1 GET.
   * @default - the caller is not the node role
   */
  readonly ec2RoleDelivery?: '1.0' | '2.0';
  /** Why, in one sentence. */
  readonly why: string;
  /**
   * What of the printed error no source confirms, said rather than guessed.
   * @default - the whole `logSignature` is confirmed by the source cited next to it
   */
  readonly unconfirmed?: string;
}

/** Where a scenario lives and what it runs. */
export interface Scenario {
  readonly id: ScenarioId;
  /** The CloudFormation stack that deploys it. */
  readonly stackName: string;
  readonly namespace: string;
  /** The service account its pods run as. */
  readonly serviceAccount: string;
  /** The pod that runs `aws s3 ls` once and ends. */
  readonly s3LsPod: string;
  /**
   * The pod that sleeps, to exec into and to inspect its token.
   * @default - the scenario has no sleep pod
   */
  readonly sleepPod?: string;
  /**
   * Every pod of the scenario, when each runs its own AWS CLI command and has its own expected
   * outcome. They all run once; `s3LsPod` names the one the outcome table shows first.
   * @default - the scenario runs `aws s3 ls` in `s3LsPod` (and sleeps in `sleepPod`)
   */
  readonly probes?: readonly Probe[];
}

/** The toggles that change what a scenario should observe. */
export interface LabToggles {
  readonly nodeRoleS3Access: boolean;
  readonly imds: ImdsMode;
}

const stackName = (suffix: string) => `${LAB_CLUSTER.name}-${suffix}`;

// ---------------------------------------------------------------------------------------------
// EKS Pod Identity's features: ABAC with the session tags it has set since its launch (November
// 2023), role chaining with a target role (2025-06-11), session policies (March 2026).
// Each pod runs one AWS CLI command once; no pod sleeps, so the node keeps its free slots.
// ---------------------------------------------------------------------------------------------

/**
 * What the AWS CLI prints when S3 refuses GetObject: botocore's `ClientError.MSG_TEMPLATE`
 * (`botocore/exceptions.py`), "An error occurred ({error_code}) when calling the {operation_name}
 * operation: {error_message}". S3 adds why after the colon, e.g. "… because no session policy
 * allows the s3:GetObject action" (S3 user guide, troubleshoot-403-errors).
 */
const GET_OBJECT_DENIED = 'An error occurred (AccessDenied) when calling the GetObject operation';

/** The object each team owns in the lab bucket: `<namespace>/report.txt`. */
export function teamObjectKey(namespace: string): string {
  return `${namespace}/report.txt`;
}

/** Stands for the lab bucket's name, which CloudFormation chooses at deploy time. */
const BUCKET_PLACEHOLDER = '<bucket>';

/** What a run-once pod asks AWS, as the arguments of the AWS CLI image's `aws` entrypoint. */
export class ProbeCommand {
  /** `aws s3 ls`: ListBuckets, the post's command. */
  static readonly LIST_BUCKETS = new ProbeCommand('ListBuckets', ['s3', 'ls']);
  /**
   * `aws sts get-caller-identity`: prints, as JSON, who AWS sees. It needs no permission ("No
   * permissions are required to perform this operation", STS API reference, GetCallerIdentity).
   */
  static readonly CALLER_IDENTITY = new ProbeCommand('GetCallerIdentity', ['sts', 'get-caller-identity', '--output', 'json']);

  /**
   * `aws s3api get-object --bucket <lab bucket> --key <key> /dev/null`: reads one object. It
   * succeeds or fails on access alone: the object exists, and a denied GetObject prints
   * `AccessDenied`. `aws s3 cp` would first call HeadObject (aws-cli
   * `awscli/customizations/s3/filegenerator.py`, `_list_single_object`), and a HEAD error has no
   * body, so only `(403) … Forbidden` shows (S3 API reference, HeadObject); `aws s3 ls` of an
   * empty prefix exits 1 although it was allowed.
   */
  static readObject(key: string): ProbeCommand {
    return new ProbeCommand('GetObject', ['s3api', 'get-object', '--bucket', BUCKET_PLACEHOLDER, '--key', key, '/dev/null'], key);
  }

  private constructor(
    /** The API operation it calls, as CloudTrail and the CLI's errors name it. */
    readonly operation: string,
    private readonly template: readonly string[],
    /**
     * The object it reads from the lab bucket.
     * @default - it reads no object
     */
    readonly objectKey?: string,
  ) {}

  /** The pod's `args`; `bucketName` is required when the command reads an object. */
  args(bucketName?: string): string[] {
    if (this.objectKey !== undefined && bucketName === undefined) {
      throw new Error(`The ${this.operation} command of ${this.objectKey} needs the lab bucket's name: pass bucketName to the scenario.`);
    }
    return this.template.map((arg) => (arg === BUCKET_PLACEHOLDER ? bucketName! : arg));
  }

  /** The command line, for tables and messages. */
  toString(): string {
    return ['aws', ...this.template].join(' ').replace(BUCKET_PLACEHOLDER, '<lab bucket>');
  }
}

/** A pod that runs one command once, and what it should show. */
export interface Probe {
  readonly pod: string;
  readonly command: ProbeCommand;
  /**
   * What it should show. Pod Identity credentials come before IMDS in the SDK chain, so no
   * toggle changes it.
   */
  readonly expected: ExpectedOutcome;
}

const ADVANCED_STACK = stackName('pod-identity-advanced');

/** `eks-iam-<team>-own` reads its own team's object, `eks-iam-<team>-other` the other team's. */
function abacProbes(team: string, otherTeam: string): Probe[] {
  return [
    {
      pod: `eks-iam-${team}-own`,
      command: ProbeCommand.readObject(teamObjectKey(team)),
      expected: {
        phase: PodPhase.SUCCEEDED,
        exitCode: AWS_CLI_EXIT.OK,
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: `EKS tagged the session kubernetes-namespace=${team}, and the role may read the prefix that tag names.`,
      },
    },
    {
      pod: `eks-iam-${team}-other`,
      command: ProbeCommand.readObject(teamObjectKey(otherTeam)),
      expected: {
        phase: PodPhase.FAILED,
        exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
        logSignature: GET_OBJECT_DENIED,
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: `The same role, but the session tag says ${team}: ${otherTeam}/ is not under it, so S3 denies the read.`,
      },
    },
  ];
}

/** The scenarios of eks-oidc-demo-pod-identity-advanced, in the order the README tells them. */
const POD_IDENTITY_FEATURES: readonly Scenario[] = [
  {
    id: ScenarioId.ABAC_TEAM_A,
    stackName: ADVANCED_STACK,
    namespace: 'team-a',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-team-a-own',
    probes: abacProbes('team-a', 'team-b'),
  },
  {
    id: ScenarioId.ABAC_TEAM_B,
    stackName: ADVANCED_STACK,
    namespace: 'team-b',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-team-b-own',
    probes: abacProbes('team-b', 'team-a'),
  },
  {
    id: ScenarioId.ROLE_CHAINING,
    stackName: ADVANCED_STACK,
    namespace: 'role-chaining',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-chain-ls',
    probes: [
      {
        pod: 'eks-iam-chain-ls',
        command: ProbeCommand.LIST_BUCKETS,
        expected: {
          phase: PodPhase.SUCCEEDED,
          exitCode: AWS_CLI_EXIT.OK,
          caller: CallerKind.TARGET_ROLE,
          why: "EKS assumed the association's role, then the target role, which alone may list buckets.",
        },
      },
      {
        pod: 'eks-iam-chain-caller',
        command: ProbeCommand.CALLER_IDENTITY,
        expected: {
          phase: PodPhase.SUCCEEDED,
          exitCode: AWS_CLI_EXIT.OK,
          caller: CallerKind.TARGET_ROLE,
          why: "The pod holds the target role's credentials; the association's role only assumes it.",
        },
      },
    ],
  },
  {
    id: ScenarioId.SESSION_POLICY,
    stackName: ADVANCED_STACK,
    namespace: 'session-policy',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-session-ls',
    probes: [
      {
        pod: 'eks-iam-session-ls',
        command: ProbeCommand.LIST_BUCKETS,
        expected: {
          phase: PodPhase.SUCCEEDED,
          exitCode: AWS_CLI_EXIT.OK,
          caller: CallerKind.POD_IDENTITY_ROLE,
          why: 'The role and the session policy both allow s3:ListAllMyBuckets.',
        },
      },
      {
        pod: 'eks-iam-session-read',
        command: ProbeCommand.readObject(teamObjectKey('team-a')),
        expected: {
          phase: PodPhase.FAILED,
          exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
          logSignature: GET_OBJECT_DENIED,
          caller: CallerKind.POD_IDENTITY_ROLE,
          why: 'The role may read team-a/, but the session policy allows only listing: the session gets what both allow.',
        },
      },
    ],
  },
];

/** What the scenario's first pod should show: its probe's expectation. */
function probeOutcome(id: ScenarioId): ExpectedOutcome {
  const { probes, s3LsPod } = scenario(id);
  const probe = probes?.find((p) => p.pod === s3LsPod);
  if (!probe) throw new Error(`Scenario '${id}' has no probe for its pod ${s3LsPod}.`);
  return probe.expected;
}

// ---------------------------------------------------------------------------------------------

/** Every scenario, in the order the walkthrough meets them. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: ScenarioId.NODE_ROLE,
    stackName: stackName('node-role'),
    namespace: 'node-role',
    serviceAccount: 'default',
    s3LsPod: 'eks-iam-test1',
    sleepPod: 'eks-iam-test2',
  },
  {
    id: ScenarioId.BYSTANDER,
    stackName: stackName('node-role'),
    namespace: 'bystander',
    serviceAccount: 'default',
    s3LsPod: 'eks-iam-bystander',
  },
  {
    id: ScenarioId.SECRET_INJECTED,
    stackName: stackName('secret-injected'),
    namespace: 'secret-injected',
    serviceAccount: 'default',
    s3LsPod: 'eks-iam-test5',
    sleepPod: 'eks-iam-test6',
  },
  {
    id: ScenarioId.IRSA,
    stackName: stackName('irsa'),
    namespace: 'irsa',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-test3',
    sleepPod: 'eks-iam-test4',
  },
  {
    id: ScenarioId.POD_IDENTITY,
    stackName: stackName('pod-identity'),
    namespace: 'pod-identity',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-test7',
    sleepPod: 'eks-iam-test8',
  },
  {
    id: ScenarioId.OLD_SDK,
    stackName: stackName('pod-identity'),
    namespace: 'pod-identity',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-test9',
  },
  {
    id: ScenarioId.PRECEDENCE,
    stackName: stackName('precedence'),
    namespace: 'precedence',
    serviceAccount: 'eks-iam-test',
    s3LsPod: 'eks-iam-test10',
    sleepPod: 'eks-iam-test11',
  },
  ...POD_IDENTITY_FEATURES,
];

/** Looks up a scenario by id. */
export function scenario(id: ScenarioId): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`Unknown scenario '${id}'. Known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return found;
}

/**
 * The last AWS CLI v2 release without EKS Pod Identity, and the one that added it.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html
 */
export const AWS_CLI_WITHOUT_POD_IDENTITY = '2.14.6';
export const AWS_CLI_WITH_POD_IDENTITY = '2.15.0';

/**
 * What a CLI older than 2.15.0 raises when it is given the Pod Identity agent's address: its
 * container-credentials fetcher only allows the ECS host and loopback, and the `ValueError` is not
 * caught on the way out, so the CLI prints it and exits 255 (aws/aws-cli 2.14.6,
 * `awscli/botocore/utils.py` `ContainerMetadataFetcher._validate_allowed_url` and
 * `awscli/errorhandler.py`; 2.15.0's CHANGELOG: "Added Support for EKS container credentials").
 */
export const OLD_SDK_POD_IDENTITY_ERROR =
  "Unsupported host '169.254.170.23'.  Can only retrieve metadata from these hosts: 169.254.170.2, localhost, 127.0.0.1";

/**
 * The start of the AWS CLI's line when S3 refuses ListBuckets. The post shows the older short form,
 * "…: Access Denied"; S3 now adds, for a caller in the same account or organization, "User:
 * <caller ARN> is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy
 * allows the s3:ListAllMyBuckets action" (S3 user guide, troubleshoot-403-errors). Matching the
 * start recognises both.
 */
const ACCESS_DENIED = 'An error occurred (AccessDenied) when calling the ListBuckets operation';
const NO_CREDENTIALS = 'Unable to locate credentials';

/**
 * The one table of what every scenario should show under the given toggles, and under a drill
 * if one is deployed: the drill's scenario shows the drill's outcome, every other its own.
 */
export function expectedOutcome(id: ScenarioId, toggles: LabToggles, drill?: Drill): ExpectedOutcome {
  if (drill !== undefined && DRILL_OUTCOMES[drill].scenario === id) return DRILL_OUTCOMES[drill].outcome(toggles);
  switch (id) {
    case ScenarioId.NODE_ROLE:
    case ScenarioId.BYSTANDER:
      return nodeRoleOutcome(toggles);
    case ScenarioId.SECRET_INJECTED:
      return {
        phase: PodPhase.SUCCEEDED,
        exitCode: AWS_CLI_EXIT.OK,
        caller: CallerKind.IAM_USER,
        why: 'Static keys in the environment come first in the SDK chain; they work, but never expire.',
      };
    case ScenarioId.IRSA:
      return {
        phase: PodPhase.SUCCEEDED,
        exitCode: AWS_CLI_EXIT.OK,
        caller: CallerKind.WEB_IDENTITY_ROLE,
        why: "The webhook injected a projected token and role ARN; STS trusts the cluster's OIDC issuer.",
      };
    case ScenarioId.POD_IDENTITY:
      return {
        phase: PodPhase.SUCCEEDED,
        exitCode: AWS_CLI_EXIT.OK,
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: 'The node agent traded the pod token for role credentials through the association.',
      };
    case ScenarioId.OLD_SDK:
      return {
        phase: PodPhase.FAILED,
        exitCode: AWS_CLI_EXIT.OTHER_ERROR,
        logSignature: OLD_SDK_POD_IDENTITY_ERROR,
        caller: CallerKind.NONE,
        why: `AWS CLI ${AWS_CLI_WITHOUT_POD_IDENTITY} stops at the container-credentials step: it only trusts the ECS agent's address, not the Pod Identity agent's, and never asks anyone else.`,
      };
    case ScenarioId.PRECEDENCE:
      return {
        phase: PodPhase.SUCCEEDED,
        exitCode: AWS_CLI_EXIT.OK,
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: 'The webhook gives the association precedence: it injects container credentials and skips the IRSA annotation, so the Pod Identity role wins.',
      };
    case ScenarioId.ABAC_TEAM_A:
    case ScenarioId.ABAC_TEAM_B:
    case ScenarioId.ROLE_CHAINING:
    case ScenarioId.SESSION_POLICY:
      return probeOutcome(id);
  }
}

/** What a pod with no credentials of its own gets from the node, under the toggles. */
function nodeRoleOutcome(toggles: LabToggles): ExpectedOutcome {
  if (toggles.imds === ImdsMode.LOCKED) {
    // Both halves are needed: hop limit 1 stops the token PUT's reply, and only HttpTokens required
    // refuses the token-less GET the SDK tries next ("You must send a session token in your
    // instance metadata retrieval requests", EC2 API reference, LaunchTemplateInstanceMetadataOptionsRequest).
    return {
      phase: PodPhase.FAILED,
      exitCode: AWS_CLI_EXIT.NO_CREDENTIALS,
      logSignature: NO_CREDENTIALS,
      caller: CallerKind.NONE,
      why: 'Hop limit 1 drops the IMDSv2 token reply before it reaches the pod, and HttpTokens required refuses the token-less IMDSv1 GET the SDK tries next, so the SDK finds no credentials.',
    };
  }
  // botocore asks IMDS for a session token first; when that PUT gets no answer (ReadTimeout) it
  // goes on without one, as a plain IMDSv1 GET (aws-cli 2.x `awscli/botocore/utils.py`,
  // `IMDSFetcher._fetch_metadata_token`). Only HttpTokens required refuses that GET.
  const delivery = toggles.imds === ImdsMode.LEAKY ? '1.0' : '2.0';
  const leak =
    toggles.imds === ImdsMode.LEAKY
      ? 'Hop limit 1 stopped only the IMDSv2 token PUT; the SDK fell back to a plain IMDSv1 GET, which IMDS still answers'
      : 'The SDK found nothing in the pod and fell back to IMDS';
  if (toggles.nodeRoleS3Access) {
    return {
      phase: PodPhase.SUCCEEDED,
      exitCode: AWS_CLI_EXIT.OK,
      caller: CallerKind.NODE_ROLE,
      ec2RoleDelivery: delivery,
      why: `${leak}, and the node role may list buckets now, as may every pod on the node: least privilege is gone.`,
    };
  }
  return {
    phase: PodPhase.FAILED,
    exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
    logSignature: ACCESS_DENIED,
    caller: CallerKind.NODE_ROLE,
    ec2RoleDelivery: delivery,
    why: `${leak}, so it used the node role, which may not list buckets.`,
  };
}

// ---- Drills: what each known mistake makes the pods show ----

/** Which scenario a drill breaks, and what that scenario's pods show then. */
export interface DrillOutcome {
  /** The scenario the drill breaks; every other scenario keeps its own outcome. */
  readonly scenario: ScenarioId;
  /** What the scenario's `s3 ls` pod and its identity show under the drill. */
  readonly outcome: (toggles: LabToggles) => ExpectedOutcome;
}

/**
 * What the AWS CLI prints when STS refuses the web identity exchange: botocore's
 * `ClientError.MSG_TEMPLATE`, 'An error occurred ({error_code}) when calling the {operation_name}
 * operation{retry_info}: {error_message}' (aws-cli v2 `awscli/botocore/exceptions.py`). Neither
 * error is retried, so there is no retry_info: only IDPCommunicationError is
 * (`awscli/botocore/retries/special.py`). The web identity provider defers the STS call to the
 * first use of the credentials and lets its error through, no later provider is tried
 * (`awscli/botocore/credentials.py`, `AssumeRoleWithWebIdentityProvider`, `CredentialResolver`),
 * so the toggles change nothing here.
 */
const webIdentityRefused = (code: string, message: string) =>
  `An error occurred (${code}) when calling the AssumeRoleWithWebIdentity operation: ${message}`;

/**
 * STS's answer when the role's trust policy does not match the token ("IAM role trust policy is
 * configured incorrectly", https://repost.aws/knowledge-center/iam-idp-access-error), as the AWS CLI
 * printed it in an IRSA pod whose role trusts another namespace
 * (ministryofjustice/cloud-platform-infrastructure#1262) or keys a condition wrongly
 * (external-secrets/kubernetes-external-secrets#287).
 */
const TRUST_REFUSED = webIdentityRefused('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity');

/**
 * STS's answer when the token's `aud` is not a client id of the IAM OIDC provider: the
 * `sts.amazon.com` client id of awslabs/amazon-eks-irsa-cfn gave exactly this line (its PR #18); the
 * XML error is quoted in aws/amazon-eks-pod-identity-webhook#232.
 */
const AUDIENCE_REFUSED = webIdentityRefused('InvalidIdentityToken', 'Incorrect token audience');

/**
 * STS's answer when no IAM OIDC provider has the token's issuer, which follows the message
 * (kubernetes-sigs/aws-load-balancer-controller#1226, #2315).
 */
const NO_PROVIDER = webIdentityRefused(
  'InvalidIdentityToken',
  `No OpenIDConnect provider found in your account for https://oidc.eks.${LAB_CLUSTER.region}.amazonaws.com/id/`,
);

/**
 * What the AWS CLI prints when the Pod Identity agent answers with an error: the container
 * provider raises CredentialRetrievalError, 'Error when retrieving credentials from {provider}:
 * {error_msg}' with provider `container-role`, around MetadataRetrievalError, 'Error retrieving
 * metadata: {error_msg}' (`awscli/botocore/exceptions.py`, `credentials.py` ContainerProvider), whose
 * message starts 'Received non 200 response {status} from container metadata: {body}'
 * (`awscli/botocore/utils.py` ContainerMetadataFetcher). The agent's body is EKS Auth's error,
 * '[<request id>]: (<code>): <message>, fault: <fault>' (aws/eks-pod-identity-agent
 * `pkg/errors/errors.go` HandleCredentialFetchingError). The agent caches credentials by the pod's
 * token (`internal/credsretriever/refreshing_cache.go`), so pods created anew ask EKS Auth again.
 */
const AGENT_REFUSED = 'Error when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response';

/** The pod got no credentials from the webhook's injection, so the SDK went on to IMDS, as the node-role scenario does. */
const fellBackToNode = (toggles: LabToggles, why: string): ExpectedOutcome => ({
  ...expectedOutcome(ScenarioId.NODE_ROLE, toggles),
  why,
});

/** Every drill's row of the expected-outcome table. */
export const DRILL_OUTCOMES: Readonly<Record<Drill, DrillOutcome>> = {
  [Drill.IRSA_AUD_TYPO]: {
    scenario: ScenarioId.IRSA,
    outcome: () => ({
      phase: PodPhase.FAILED,
      exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
      logSignature: TRUST_REFUSED,
      caller: CallerKind.NONE,
      why: 'The token says aud sts.amazonaws.com and the trust wants sts.amazon.com: the condition never matches, so STS refuses the role.',
    }),
  },
  [Drill.IRSA_CLIENT_ID_TYPO]: {
    scenario: ScenarioId.IRSA,
    outcome: () => ({
      phase: PodPhase.FAILED,
      exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
      logSignature: AUDIENCE_REFUSED,
      caller: CallerKind.NONE,
      why: "The token's aud, sts.amazonaws.com, is not a client id of the OIDC provider, so STS rejects the token before it reads the trust.",
    }),
  },
  [Drill.IRSA_WRONG_NAMESPACE]: {
    scenario: ScenarioId.IRSA,
    outcome: () => ({
      phase: PodPhase.FAILED,
      exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
      logSignature: TRUST_REFUSED,
      caller: CallerKind.NONE,
      why: 'The token says sub system:serviceaccount:irsa:eks-iam-test and the trust names another namespace, so STS refuses the role.',
    }),
  },
  [Drill.IRSA_NO_ANNOTATION]: {
    scenario: ScenarioId.IRSA,
    outcome: (toggles) =>
      fellBackToNode(
        toggles,
        'Without the role annotation the webhook injects nothing, so the SDK silently falls back to IMDS and the node role.',
      ),
  },
  [Drill.IRSA_NO_OIDC_PROVIDER]: {
    scenario: ScenarioId.IRSA,
    outcome: () => ({
      phase: PodPhase.FAILED,
      exitCode: AWS_CLI_EXIT.SERVICE_ERROR,
      logSignature: NO_PROVIDER,
      caller: CallerKind.NONE,
      why: "IAM has no OIDC provider for the token's issuer, so STS cannot verify the token at all.",
    }),
  },
  [Drill.POD_IDENTITY_NO_TAG_SESSION]: {
    scenario: ScenarioId.POD_IDENTITY,
    outcome: () => ({
      phase: PodPhase.FAILED,
      // botocore raises CredentialRetrievalError, not a service's ClientError: the CLI's general error code.
      exitCode: AWS_CLI_EXIT.OTHER_ERROR,
      logSignature: AGENT_REFUSED,
      caller: CallerKind.NONE,
      why: 'EKS Auth assumes the role with session tags, which the trust does not allow, so the agent hands the pod an error instead of credentials.',
      unconfirmed:
        "the status code and the rest of the line, EKS Auth's error as the agent passes it on; and whether EKS accepts such a role in an association at all (it refuses a role whose trust it finds invalid: hashicorp/terraform-provider-aws#41483)",
    }),
  },
  [Drill.POD_IDENTITY_PODS_FIRST]: {
    scenario: ScenarioId.POD_IDENTITY,
    outcome: (toggles) =>
      fellBackToNode(
        toggles,
        'The pods were created before their association existed, and the webhook only mutates at creation, so the SDK falls back to the node role.',
      ),
  },
};

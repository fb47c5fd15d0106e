import { LAB_CLUSTER } from './cluster-contract';
import { ImdsMode } from './lab-config';

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

  // EKS Pod Identity since its launch: one stack, eks-oidc-demo-pod-identity-advanced.
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
  /** The SDK found no credentials at all. */
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
   * A line the `s3 ls` pod's log must contain.
   * @default - any log: a successful `s3 ls` prints one line per bucket, or nothing
   */
  readonly logSignature?: string;
  /** The kind of caller the scenario's identity resolves to. */
  readonly caller: CallerKind;
  /** Why, in one sentence. */
  readonly why: string;
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
// EKS Pod Identity since its launch: ABAC with session tags, role chaining, session policies.
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
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: `EKS tagged the session kubernetes-namespace=${team}, and the role may read the prefix that tag names.`,
      },
    },
    {
      pod: `eks-iam-${team}-other`,
      command: ProbeCommand.readObject(teamObjectKey(otherTeam)),
      expected: {
        phase: PodPhase.FAILED,
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
          caller: CallerKind.TARGET_ROLE,
          why: "EKS assumed the association's role, then the target role, which alone may list buckets.",
        },
      },
      {
        pod: 'eks-iam-chain-caller',
        command: ProbeCommand.CALLER_IDENTITY,
        expected: {
          phase: PodPhase.SUCCEEDED,
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
          caller: CallerKind.POD_IDENTITY_ROLE,
          why: 'The role and the session policy both allow s3:ListAllMyBuckets.',
        },
      },
      {
        pod: 'eks-iam-session-read',
        command: ProbeCommand.readObject(teamObjectKey('team-a')),
        expected: {
          phase: PodPhase.FAILED,
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
  ...POD_IDENTITY_FEATURES,
];

/** Looks up a scenario by id. */
export function scenario(id: ScenarioId): Scenario {
  const found = SCENARIOS.find((s) => s.id === id);
  if (!found) throw new Error(`Unknown scenario '${id}'. Known: ${SCENARIOS.map((s) => s.id).join(', ')}`);
  return found;
}

const ACCESS_DENIED = 'An error occurred (AccessDenied) when calling the ListBuckets operation';
const NO_CREDENTIALS = 'Unable to locate credentials';

/** The one table of what every scenario should show under the given toggles. */
export function expectedOutcome(id: ScenarioId, toggles: LabToggles): ExpectedOutcome {
  switch (id) {
    case ScenarioId.NODE_ROLE:
    case ScenarioId.BYSTANDER:
      if (toggles.imds === ImdsMode.LOCKED) {
        return {
          phase: PodPhase.FAILED,
          logSignature: NO_CREDENTIALS,
          caller: CallerKind.NONE,
          why: 'IMDS hop limit 1 drops the reply before it reaches the pod, so the SDK finds no credentials.',
        };
      }
      if (toggles.nodeRoleS3Access) {
        return {
          phase: PodPhase.SUCCEEDED,
          caller: CallerKind.NODE_ROLE,
          why: 'The node role may list buckets now, and so may every pod on the node: least privilege is gone.',
        };
      }
      return {
        phase: PodPhase.FAILED,
        logSignature: ACCESS_DENIED,
        caller: CallerKind.NODE_ROLE,
        why: 'The SDK found nothing in the pod, fell back to IMDS and used the node role, which may not list buckets.',
      };
    case ScenarioId.SECRET_INJECTED:
      return {
        phase: PodPhase.SUCCEEDED,
        caller: CallerKind.IAM_USER,
        why: 'Static keys in the environment come first in the SDK chain; they work, but never expire.',
      };
    case ScenarioId.IRSA:
      return {
        phase: PodPhase.SUCCEEDED,
        caller: CallerKind.WEB_IDENTITY_ROLE,
        why: "The webhook injected a projected token and role ARN; STS trusts the cluster's OIDC issuer.",
      };
    case ScenarioId.POD_IDENTITY:
      return {
        phase: PodPhase.SUCCEEDED,
        caller: CallerKind.POD_IDENTITY_ROLE,
        why: 'The node agent traded the pod token for role credentials through the association.',
      };
    case ScenarioId.ABAC_TEAM_A:
    case ScenarioId.ABAC_TEAM_B:
    case ScenarioId.ROLE_CHAINING:
    case ScenarioId.SESSION_POLICY:
      return probeOutcome(id);
  }
}

import { GetTemplateCommand, StackStatus, paginateListStacks } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, LookupAttributeKey, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { LAB_CLUSTER } from '../../cluster-contract';
import { ImdsMode, parseLabConfig } from '../../lab-config';
import { CHAIN_TARGET_ROLE_NAME, TOGGLES_METADATA_KEY } from '../../lab-names';
import { CallerKind, ScenarioId, expectedOutcome, scenario as scenarioById } from '../../scenarios';
import { AwsClients, GLOBAL_ENDPOINT_REGION } from '../aws-clients';
import { Clock } from '../clock';
import { ExitCode, LabError } from '../errors';
import { Output, mark } from '../output';
import { classifyCallerArn } from '../private/caller';

/** The calls that show who a pod really was. */
export const TRAIL_EVENT_NAMES = [
  'ListBuckets',
  'AssumeRoleWithWebIdentity',
  // The Pod Identity agent's call, as the node role. CloudTrail logs no role in it: its
  // responseElements is null (aws-samples/amazon-eks-security-immersion-day, "Deep Dive into EKS Pod Identity").
  'AssumeRoleForPodIdentity',
  'GetCallerIdentity',
  // EKS Pod Identity's own role assumptions, which name the role, and a target role's after them; kept for lab roles only.
  'AssumeRole',
] as const;

/**
 * The service that makes EKS Pod Identity's role assumptions: STS logs them as `AssumeRole` with
 * `userIdentity: {type: AWSService, invokedBy: pods.eks.amazonaws.com}`
 * (aws-samples/amazon-eks-security-immersion-day, "Deep Dive into EKS Pod Identity").
 */
export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com';

/**
 * How far apart the agent's AssumeRoleForPodIdentity and the AssumeRole EKS makes for it may be
 * logged. CloudTrail stamps each with the second its own service completed it, by that service's
 * clock (CloudTrail record contents, `eventTime`), and the STS call completes inside the EKS Auth
 * one, so the two fall in the same second or in neighbouring ones.
 */
export const PAIRING_WINDOW_MS = 1000;

/**
 * LookupEvents allows two requests per second per account and Region, and throttles
 * beyond (CloudTrail API reference, LookupEvents). One call per 600 ms stays under it.
 */
export const LOOKUP_INTERVAL_MS = 600;

/** How often `--wait` looks again. */
const POLL_MS = 30_000;

/** One CloudTrail event, as `lab trail` shows it. */
export interface TrailEvent {
  readonly time: string;
  readonly region: string;
  readonly eventName: string;
  readonly eventSource?: string;
  /** `AssumedRole`, `IAMUser`, `WebIdentityUser`, … */
  readonly identityType?: string;
  /** The caller's ARN, or for a web identity the token's `sub`-bearing principal id. */
  readonly identity?: string;
  /**
   * Set when the credentials came from IMDS on a node, the post's tell-tale of the node role:
   * `2.0` through an IMDSv2 session token, `1.0` through a plain IMDSv1 GET.
   */
  readonly ec2RoleDelivery?: string;
  /** The role an AssumeRole or AssumeRoleWithWebIdentity call asked for, from its request. */
  readonly roleArn?: string;
  readonly errorCode?: string;
  /** The service that made the call for the caller, e.g. `pods.eks.amazonaws.com`. */
  readonly invokedBy?: string;
  /** The session name an AssumeRole call asked for. */
  readonly roleSessionName?: string;
  /** The cluster an AssumeRoleForPodIdentity call named. */
  readonly clusterName?: string;
  /**
   * The session tags an AssumeRole call set: EKS Pod Identity sets `eks-cluster-name`,
   * `kubernetes-namespace`, `kubernetes-pod-name` and three more, unless the association disables them.
   */
  readonly sessionTags?: Readonly<Record<string, string>>;
  /**
   * For the agent's AssumeRoleForPodIdentity: the roles EKS Pod Identity assumed for the same
   * cluster within `PAIRING_WINDOW_MS`, one of which the pod got. CloudTrail logs no response for the
   * call itself. More than one when several pods asked in the same second.
   */
  readonly pairedRoleArns?: readonly string[];
  /** The scenario whose principal made or obtained the call. */
  readonly scenario: ScenarioId;
}

/** The event a deployed scenario leaves, or why it leaves none. */
export interface TrailExpectation {
  readonly scenario: ScenarioId;
  /** What to look for, in words. */
  readonly event?: string;
  /** Why no event is expected. */
  readonly none?: string;
  /**
   * The IMDS delivery the node role's event must show.
   * @default - any
   */
  readonly ec2RoleDelivery?: string;
  readonly found: boolean;
}

export interface TrailOptions {
  /**
   * How far back to look, e.g. `30m`, `2h`, `1d`.
   * @default '30m'
   */
  readonly since?: string;
  /**
   * Poll until each deployed scenario has its event, for at most `waitMinutes`.
   * @default false
   */
  readonly wait?: boolean;
  /**
   * How long `wait` may poll, in minutes.
   * @default 15
   */
  readonly waitMinutes?: number;
}

export interface TrailDeps {
  readonly aws: Pick<AwsClients, 'cloudTrail' | 'cloudTrailGlobal' | 'cloudFormation'>;
  readonly out: Output;
  readonly clock: Clock;
}

/** `30m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new LabError(`Invalid duration '${text}': use a number and a unit, e.g. 90s, 30m, 2h, 1d.`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Spaces calls to one region's LookupEvents by `LOOKUP_INTERVAL_MS`. */
class Pacer {
  private last = Number.NEGATIVE_INFINITY;
  constructor(private readonly clock: Clock) {}

  async wait(): Promise<void> {
    const due = this.last + LOOKUP_INTERVAL_MS - this.clock.now();
    if (due > 0) await this.clock.sleep(due);
    this.last = this.clock.now();
  }
}

/** A CloudTrail client and its pacer, per region searched. */
interface Region {
  readonly name: string;
  readonly client: CloudTrailClient;
  readonly pacer: Pacer;
}

/**
 * Looks up the telling events since `start` in every region searched, paging by hand
 * so that each page waits its turn, and keeps only those of the lab's own principals.
 * @returns the lab's events, newest first, and how many others the lookups returned
 */
export async function lookupTrail(regions: readonly Region[], start: Date): Promise<{ events: TrailEvent[]; others: number }> {
  const events: TrailEvent[] = [];
  let others = 0;
  for (const region of regions) {
    // LookupEvents takes one attribute per call, so each event name is its own lookup.
    for (const name of TRAIL_EVENT_NAMES) {
      let token: string | undefined;
      do {
        await region.pacer.wait();
        const page = await region.client.send(
          new LookupEventsCommand({
            StartTime: start,
            MaxResults: 50,
            NextToken: token,
            LookupAttributes: [{ AttributeKey: LookupAttributeKey.EVENT_NAME, AttributeValue: name }],
          }),
        );
        for (const raw of page.Events ?? []) {
          const event = toTrailEvent(raw.EventName ?? name, raw.EventTime, raw.CloudTrailEvent, region.name);
          if (event) events.push(event);
          else others++;
        }
        token = page.NextToken;
      } while (token);
    }
  }
  return { events: pairPodIdentityCalls(events).sort((a, b) => b.time.localeCompare(a.time)), others };
}

/** An AssumeRole that EKS Pod Identity made for a pod: called by the service itself, not by a role session. */
export function isPodIdentityAssumption(e: TrailEvent): boolean {
  return e.eventName === 'AssumeRole' && e.identityType === 'AWSService' && e.invokedBy === POD_IDENTITY_SERVICE && !e.errorCode;
}

/**
 * Gives each of the agent's AssumeRoleForPodIdentity calls the roles EKS Pod Identity assumed for
 * the same cluster around the same second: the only place CloudTrail names the role the pod got.
 */
export function pairPodIdentityCalls(events: readonly TrailEvent[]): TrailEvent[] {
  const assumptions = events.filter(isPodIdentityAssumption);
  return events.map((e) => {
    if (e.eventName !== 'AssumeRoleForPodIdentity' || e.errorCode) return e;
    const at = Date.parse(e.time);
    const paired = assumptions.filter(
      (a) =>
        Math.abs(Date.parse(a.time) - at) <= PAIRING_WINDOW_MS &&
        // With session tags disabled the assumption names no cluster; the time alone pairs it then.
        (a.sessionTags?.['eks-cluster-name'] === undefined || a.sessionTags['eks-cluster-name'] === e.clusterName),
    );
    const roleArns = [...new Set(paired.map((a) => a.roleArn).filter((arn): arn is string => arn !== undefined))];
    return roleArns.length > 0 ? { ...e, pairedRoleArns: roleArns } : e;
  });
}

interface CloudTrailRecord {
  eventSource?: string;
  errorCode?: string;
  userIdentity?: {
    type?: string;
    arn?: string;
    principalId?: string;
    userName?: string;
    invokedBy?: string;
    sessionContext?: { ec2RoleDelivery?: string };
  };
  requestParameters?: {
    roleArn?: string;
    roleSessionName?: string;
    clusterName?: string;
    tags?: { key?: string; value?: string }[];
  } | null;
}

function toTrailEvent(eventName: string, time: Date | undefined, json: string | undefined, region: string): TrailEvent | undefined {
  let record: CloudTrailRecord = {};
  try {
    record = json ? (JSON.parse(json) as CloudTrailRecord) : {};
  } catch {
    // A record CloudTrail could not give whole cannot be told to be the lab's.
    return undefined;
  }
  const identity = record.userIdentity;
  // Only the request names the role: the EKS Auth API answers AssumeRoleForPodIdentity with the
  // role, but CloudTrail logs its responseElements as null, so that call counts as its caller's.
  const roleArn = record.requestParameters?.roleArn;
  const caller = identity?.arn ?? identity?.userName ?? identity?.principalId ?? identity?.invokedBy;
  const scenario = scenarioOf(roleArn) ?? scenarioOf(identity?.arn);
  if (!scenario) return undefined;
  return {
    time: (time ?? new Date(0)).toISOString(),
    region,
    eventName,
    eventSource: record.eventSource,
    identityType: identity?.type,
    identity: caller,
    ec2RoleDelivery: identity?.sessionContext?.ec2RoleDelivery,
    roleArn,
    errorCode: record.errorCode,
    scenario,
    invokedBy: identity?.invokedBy,
    roleSessionName: record.requestParameters?.roleSessionName,
    clusterName: record.requestParameters?.clusterName,
    sessionTags: tagsOf(record.requestParameters?.tags),
  };
}

function tagsOf(tags: { key?: string; value?: string }[] | undefined): Record<string, string> | undefined {
  if (!tags?.length) return undefined;
  return Object.fromEntries(tags.filter((t) => t.key !== undefined).map((t) => [t.key!, t.value ?? '']));
}

const SCENARIOS_WITH_OWN_PRINCIPAL = [ScenarioId.SECRET_INJECTED, ScenarioId.IRSA, ScenarioId.POD_IDENTITY, ScenarioId.PRECEDENCE] as const;

/**
 * The roles of the one stack that holds the Pod Identity feature scenarios, by the name prefix
 * CloudFormation gives them (`<stack>-<logical id>-<suffix>`), and the target role by its fixed name.
 */
const ADVANCED_ROLES: readonly (readonly [string, ScenarioId])[] = [
  [`${scenarioById(ScenarioId.ROLE_CHAINING).stackName}-AbacRole`, ScenarioId.ABAC_TEAM_A],
  [`${scenarioById(ScenarioId.ROLE_CHAINING).stackName}-ChainSourceRol`, ScenarioId.ROLE_CHAINING],
  [CHAIN_TARGET_ROLE_NAME, ScenarioId.ROLE_CHAINING],
  [`${scenarioById(ScenarioId.ROLE_CHAINING).stackName}-SessionPolicyRole`, ScenarioId.SESSION_POLICY],
];

/**
 * Which scenario a principal belongs to. CloudFormation names the roles and users it
 * creates `<stack name>-<logical id>-<suffix>`, so each scenario's own identity starts
 * with its stack's name; the node role is the cluster stack's, named after the node group.
 */
export function scenarioOf(arn: string | undefined): ScenarioId | undefined {
  if (!arn) return undefined;
  const name = /:(?:assumed-role|role|user)\/([^/]+)/.exec(arn)?.[1];
  if (!name) return undefined;
  const advanced = ADVANCED_ROLES.find(([prefix]) => name.startsWith(prefix));
  if (advanced) return advanced[1];
  const own = SCENARIOS_WITH_OWN_PRINCIPAL.find((id) => name.startsWith(`${scenarioById(id).stackName}-`));
  if (own) return own;
  if (name.startsWith(`${LAB_CLUSTER.name}-`) && classifyCallerArn(arn) === CallerKind.NODE_ROLE) return ScenarioId.NODE_ROLE;
  return undefined;
}

/** What each deployed scenario leaves in CloudTrail. */
function expectations(deployed: ReadonlySet<ScenarioId>, imds: ImdsMode | undefined): Omit<TrailExpectation, 'found'>[] {
  const wanted: Omit<TrailExpectation, 'found'>[] = [];
  if (deployed.has(ScenarioId.NODE_ROLE)) {
    const delivery =
      imds === undefined ? undefined : expectedOutcome(ScenarioId.NODE_ROLE, { imds, nodeRoleS3Access: false }).ec2RoleDelivery;
    wanted.push(
      imds === ImdsMode.LOCKED
        ? { scenario: ScenarioId.NODE_ROLE, none: 'imds=locked: the pods found no credentials, so they called nothing' }
        : {
            scenario: ScenarioId.NODE_ROLE,
            event: `ListBuckets as the node role${delivery ? `, ec2RoleDelivery ${delivery}` : ''}`,
            ec2RoleDelivery: delivery,
          },
    );
  }
  if (deployed.has(ScenarioId.SECRET_INJECTED))
    wanted.push({ scenario: ScenarioId.SECRET_INJECTED, event: "ListBuckets as the lab's IAM user" });
  if (deployed.has(ScenarioId.IRSA)) wanted.push({ scenario: ScenarioId.IRSA, event: 'AssumeRoleWithWebIdentity for the IRSA role' });
  if (deployed.has(ScenarioId.POD_IDENTITY)) {
    wanted.push({ scenario: ScenarioId.POD_IDENTITY, event: `AssumeRole of the Pod Identity role by ${POD_IDENTITY_SERVICE}` });
    wanted.push({ scenario: ScenarioId.OLD_SDK, none: 'the old AWS CLI refused the agent address, so it called nothing' });
  }
  if (deployed.has(ScenarioId.ROLE_CHAINING))
    wanted.push({ scenario: ScenarioId.ROLE_CHAINING, event: `AssumeRole of ${CHAIN_TARGET_ROLE_NAME}, after the association's role` });
  if (deployed.has(ScenarioId.PRECEDENCE))
    wanted.push({
      scenario: ScenarioId.PRECEDENCE,
      event: `AssumeRole of the precedence Pod Identity role by ${POD_IDENTITY_SERVICE}, and no AssumeRoleWithWebIdentity`,
    });
  return wanted;
}

function hasEvent(expectation: Omit<TrailExpectation, 'found'>, events: readonly TrailEvent[]): boolean {
  const mine = events.filter((e) => e.scenario === expectation.scenario);
  switch (expectation.scenario) {
    case ScenarioId.IRSA:
      // A refused exchange is logged too, with its errorCode (aws re:Post, eks-troubleshoot-sdk-workload).
      return mine.some((e) => e.eventName === 'AssumeRoleWithWebIdentity' && !e.errorCode);
    case ScenarioId.POD_IDENTITY:
      // The agent's AssumeRoleForPodIdentity is the node role's; EKS's AssumeRole names the pod's role.
      return mine.some(isPodIdentityAssumption);
    case ScenarioId.ROLE_CHAINING:
      return roleChains(mine).some((chain) => roleName(chain[chain.length - 1].roleArn) === CHAIN_TARGET_ROLE_NAME);
    case ScenarioId.PRECEDENCE:
      // The IRSA role must never be assumed: the webhook gave container credentials precedence.
      return mine.some(isPodIdentityAssumption) && !mine.some((e) => e.eventName === 'AssumeRoleWithWebIdentity');
    default:
      return mine.some(
        (e) => e.eventName === 'ListBuckets' && (!expectation.ec2RoleDelivery || e.ec2RoleDelivery === expectation.ec2RoleDelivery),
      );
  }
}

const DEPLOYED_STATUSES = new Set<string>([
  StackStatus.CREATE_COMPLETE,
  StackStatus.UPDATE_COMPLETE,
  StackStatus.UPDATE_IN_PROGRESS,
  StackStatus.UPDATE_COMPLETE_CLEANUP_IN_PROGRESS,
  StackStatus.UPDATE_ROLLBACK_COMPLETE,
  StackStatus.IMPORT_COMPLETE,
]);

/** The scenario stacks CloudFormation has deployed, and the toggles the node-role stack was deployed with. */
async function deployedLab(aws: TrailDeps['aws']): Promise<{ scenarios: Set<ScenarioId>; imds?: ImdsMode }> {
  const stacks = new Set<string>();
  for await (const page of paginateListStacks(
    { client: aws.cloudFormation },
    { StackStatusFilter: [...DEPLOYED_STATUSES] as StackStatus[] },
  )) {
    for (const summary of page.StackSummaries ?? []) if (summary.StackName) stacks.add(summary.StackName);
  }
  const scenarios = new Set(
    [ScenarioId.NODE_ROLE, ...SCENARIOS_WITH_OWN_PRINCIPAL, ScenarioId.ROLE_CHAINING].filter((id) =>
      stacks.has(scenarioById(id).stackName),
    ),
  );
  let imds: ImdsMode | undefined;
  if (scenarios.has(ScenarioId.NODE_ROLE)) {
    // The deployed template records its toggles in its metadata, as the synthesized one does.
    const { TemplateBody } = await aws.cloudFormation.send(
      new GetTemplateCommand({ StackName: scenarioById(ScenarioId.NODE_ROLE).stackName }),
    );
    try {
      const recorded = (JSON.parse(TemplateBody ?? '{}') as { Metadata?: Record<string, unknown> }).Metadata?.[TOGGLES_METADATA_KEY];
      imds = parseLabConfig((key) => (recorded as Record<string, unknown> | undefined)?.[key]).imds;
    } catch {
      imds = undefined;
    }
  }
  return { scenarios, imds };
}

/** `lab trail`: shows who called S3 and STS as CloudTrail recorded it, for the lab's own principals. */
export async function runTrail(options: TrailOptions, deps: TrailDeps): Promise<ExitCode> {
  const { aws, out, clock } = deps;
  const sinceMs = parseDuration(options.since ?? '30m');
  const start = new Date(clock.now() - sinceMs);
  const regions: Region[] = [
    { name: LAB_CLUSTER.region, client: aws.cloudTrail, pacer: new Pacer(clock) },
    { name: GLOBAL_ENDPOINT_REGION, client: aws.cloudTrailGlobal, pacer: new Pacer(clock) },
  ];
  const lab = await deployedLab(aws);
  const wanted = expectations(lab.scenarios, lab.imds);
  out.say(
    `CloudTrail in ${LAB_CLUSTER.region} (the lab's region) and ${GLOBAL_ENDPOINT_REGION} (where calls to global endpoints such as sts.amazonaws.com and s3.amazonaws.com are logged), since ${start.toISOString()} (${options.since ?? '30m'}): ${TRAIL_EVENT_NAMES.join(', ')} by the lab's own roles and user.`,
  );
  out.say(
    'CloudTrail delivers events about 5 minutes after the call, sometimes up to 15.' +
      (options.wait ? '' : ' Use --wait to poll until each deployed scenario has its event.'),
  );

  const deadline = clock.now() + (options.waitMinutes ?? 15) * 60_000;
  const progress = out.progress('Looking up events');
  let found = await lookupTrail(regions, start);
  const missing = () => wanted.filter((w) => w.event && !hasEvent(w, found.events));
  while (options.wait && missing().length > 0 && clock.now() < deadline) {
    progress.update(
      `Still waiting for ${missing()
        .map((w) => w.scenario)
        .join(', ')}; looking again in ${POLL_MS / 1000}s (until ${new Date(deadline).toISOString()})`,
    );
    await clock.sleep(POLL_MS);
    found = await lookupTrail(regions, start);
  }
  progress.stop();

  const results: TrailExpectation[] = wanted.map((w) => ({ ...w, found: w.none !== undefined || hasEvent(w, found.events) }));
  const ok = lab.scenarios.size > 0 && results.every((r) => r.found);
  out.result({
    regions: regions.map((r) => r.name),
    since: start.toISOString(),
    deployed: [...lab.scenarios],
    expectations: results,
    events: found.events,
    chains: roleChains(found.events),
    otherEvents: found.others,
    ok,
  });
  if (found.events.length > 0) {
    out.table(
      ['time (UTC)', 'region', 'event', 'identity type', 'identity', 'error'],
      found.events.map((e) => [
        e.time.replace('T', ' ').replace(/\.\d+Z$/, ''),
        e.region,
        e.eventName,
        e.identityType ?? '-',
        describeIdentity(e),
        e.errorCode ?? '',
      ]),
    );
  }
  printRoleChains(out, roleChains(found.events));
  if (found.others > 0)
    out.say(
      `${found.others} other event(s) of these names were not the lab's principals (deploys, the console, other tools) and are not shown.`,
    );
  if (lab.scenarios.size === 0)
    out.say(`${mark(false)} No scenario stack of ${LAB_CLUSTER.name} is deployed in ${LAB_CLUSTER.region}. Run \`npx cdk deploy --all\`.`);
  for (const result of results) {
    if (result.none) out.say(`- ${result.scenario}: no event expected (${result.none}).`);
    else
      out.say(`${mark(result.found)} ${result.scenario}: ${result.event}${result.found ? '' : ` not found since ${start.toISOString()}`}.`);
  }
  if (!ok && lab.scenarios.size > 0) {
    out.say(
      `Run the scenarios (\`npm run lab -- verify\`), then \`npm run lab -- trail --wait\`${options.wait ? ` (waited ${options.waitMinutes ?? 15} min)` : ''}.`,
    );
  }
  return ok ? ExitCode.OK : ExitCode.CHECK_FAILED;
}

/** What each `ec2RoleDelivery` value says about how a pod reached the node role. */
const IMDS_DELIVERY: Record<string, string> = {
  '2.0': '(IMDSv2 on a node: a session token, then the role)',
  '1.0': '(IMDSv1 on a node: a plain GET, no token: HttpTokens is optional)',
};

function describeIdentity(e: TrailEvent): string {
  const lines = [e.identity ?? '-'];
  if (e.eventName === 'AssumeRoleForPodIdentity') {
    // The agent on the node makes this call with the node role; CloudTrail does not log the role it got.
    lines.push('(the eks-pod-identity-agent, as the node role)');
    if (!e.pairedRoleArns) lines.push('(no role logged: see the AssumeRole by pods.eks.amazonaws.com)');
    else if (e.pairedRoleArns.length === 1) lines.push(`-> ${e.pairedRoleArns[0]} (the AssumeRole EKS made for it)`);
    else lines.push(`-> one of ${e.pairedRoleArns.join(', ')} (assumed by EKS within a second of it)`);
    return lines.join('\n');
  }
  if (e.ec2RoleDelivery) {
    lines.push(`ec2RoleDelivery ${e.ec2RoleDelivery} ${IMDS_DELIVERY[e.ec2RoleDelivery] ?? '(IMDS on a node)'}`);
  }
  const namespace = e.sessionTags?.['kubernetes-namespace'];
  const pod = e.sessionTags?.['kubernetes-pod-name'];
  if (isPodIdentityAssumption(e) && namespace && pod) lines.push(`(EKS Pod Identity, for pod ${namespace}/${pod})`);
  if (e.roleArn) lines.push(`-> ${e.roleArn}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Role chains: EKS Pod Identity with a target role assumes two roles in a row.
// ---------------------------------------------------------------------------------------------

/** `arn:aws:iam::<account>:role/<path/>name` -> name. */
function roleName(roleArn: string | undefined): string | undefined {
  return roleArn ? /:role\/(?:.*\/)?([^/]+)$/.exec(roleArn)?.[1] : undefined;
}

/** `arn:aws:sts::<account>:assumed-role/<name>/<session>` -> name and session. */
function assumedRole(arn: string | undefined): { role: string; session: string } | undefined {
  const match = arn ? /:assumed-role\/([^/]+)\/(.+)$/.exec(arn) : undefined;
  return match ? { role: match[1], session: match[2] } : undefined;
}

/**
 * The role chains among the events, oldest first: each an AssumeRole followed by the AssumeRole
 * that ran as the session it created. EKS Pod Identity with a target role makes exactly such a
 * pair: it assumes the association's role, then with those credentials the target role
 * (EKS user guide, pod-id-assign-target-role).
 */
export function roleChains(events: readonly TrailEvent[]): TrailEvent[][] {
  const assumptions = events.filter((e) => e.eventName === 'AssumeRole' && !e.errorCode).sort((a, b) => a.time.localeCompare(b.time));
  const chains: TrailEvent[][] = [];
  const inChain = new Set<TrailEvent>();
  for (const last of [...assumptions].reverse()) {
    if (inChain.has(last)) continue;
    const chain = [last];
    for (let step = last; ;) {
      const caller = step.identityType === 'AssumedRole' ? assumedRole(step.identity) : undefined;
      const previous = caller
        ? [...assumptions]
            .reverse()
            .find(
              (e) =>
                e !== step &&
                e.time <= step.time &&
                roleName(e.roleArn) === caller.role &&
                (e.roleSessionName === undefined || e.roleSessionName === caller.session),
            )
        : undefined;
      if (!previous) break;
      chain.unshift(previous);
      step = previous;
    }
    if (chain.length > 1) {
      chain.forEach((e) => inChain.add(e));
      chains.unshift(chain);
    }
  }
  return chains;
}

function printRoleChains(out: Output, chains: TrailEvent[][]): void {
  if (chains.length === 0) return;
  out.say('Role chains, each assumption in the order it happened:');
  for (const chain of chains) {
    const [first] = chain;
    const start = first.invokedBy ?? first.identity ?? first.identityType ?? '?';
    out.say(`  ${[start, ...chain.map((e) => roleName(e.roleArn) ?? '?')].join(' -> ')}`);
    for (const e of chain) {
      out.say(
        `    ${e.time.replace('T', ' ').replace(/\.\d+Z$/, '')} AssumeRole ${roleName(e.roleArn)} as ${e.identity ?? e.identityType ?? '?'}`,
      );
    }
  }
}

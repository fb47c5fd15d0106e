import { CloudTrailClient, LookupAttributeKey, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { LAB_CLUSTER } from '../cluster-contract';
import { Clock } from './clock';
import { ExitCode, LabError } from './errors';
import { Output } from './output';

/** The calls that show who a pod really was. */
export const TRAIL_EVENT_NAMES = [
  'ListBuckets',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleForPodIdentity',
  'GetCallerIdentity',
  // EKS Pod Identity's own role assumptions, and a target role's after them; kept for lab roles only.
  'AssumeRole',
] as const;

/** One CloudTrail event, as `lab trail` shows it. */
export interface TrailEvent {
  readonly time: string;
  readonly eventName: string;
  readonly eventSource?: string;
  /** `AssumedRole`, `IAMUser`, `WebIdentityUser`, … */
  readonly identityType?: string;
  /** The caller's ARN, or for a web identity the token's `sub`-bearing principal id. */
  readonly identity?: string;
  /** `2.0` when the credentials came from IMDS on a node: the post's tell-tale of the node role. */
  readonly ec2RoleDelivery?: string;
  /** The role a web identity or Pod Identity call asked for. */
  readonly roleArn?: string;
  readonly errorCode?: string;
  /** The service that made the call for the caller, e.g. `pods.eks.amazonaws.com`. */
  readonly invokedBy?: string;
  /** The session name an AssumeRole call asked for. */
  readonly roleSessionName?: string;
}

export interface TrailOptions {
  /**
   * How far back to look, e.g. `30m`, `2h`, `1d`.
   * @default '30m'
   */
  readonly since?: string;
  /**
   * Poll until events arrive, for at most `waitMinutes`.
   * @default false
   */
  readonly wait?: boolean;
  /**
   * How long `wait` may poll, in minutes.
   * @default 15
   */
  readonly waitMinutes?: number;
}

/** `30m` → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new LabError(`Invalid duration '${text}': use a number and a unit, e.g. 90s, 30m, 2h, 1d.`);
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

/** Looks up the lab's telling events in the lab's region since `start`. */
export async function lookupTrail(cloudTrail: CloudTrailClient, start: Date): Promise<TrailEvent[]> {
  const events: TrailEvent[] = [];
  // LookupEvents takes one attribute per call, so each event name is its own lookup.
  for (const name of TRAIL_EVENT_NAMES) {
    const pages = paginateLookupEvents(
      { client: cloudTrail, pageSize: 50 },
      { StartTime: start, LookupAttributes: [{ AttributeKey: LookupAttributeKey.EVENT_NAME, AttributeValue: name }] },
    );
    for await (const page of pages) {
      for (const event of page.Events ?? []) {
        const found = toTrailEvent(event.EventName ?? name, event.EventTime, event.CloudTrailEvent);
        if (isLabEvent(found)) events.push(found);
      }
    }
  }
  return events.sort((a, b) => b.time.localeCompare(a.time));
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
  requestParameters?: { roleArn?: string; roleSessionName?: string };
}

function toTrailEvent(eventName: string, time: Date | undefined, json: string | undefined): TrailEvent {
  let record: CloudTrailRecord = {};
  try {
    record = json ? (JSON.parse(json) as CloudTrailRecord) : {};
  } catch {
    // A record CloudTrail could not give whole still has its name and time.
  }
  const identity = record.userIdentity;
  return {
    time: (time ?? new Date(0)).toISOString(),
    eventName,
    eventSource: record.eventSource,
    identityType: identity?.type,
    identity: identity?.arn ?? identity?.userName ?? identity?.principalId ?? identity?.invokedBy,
    ec2RoleDelivery: identity?.sessionContext?.ec2RoleDelivery,
    roleArn: record.requestParameters?.roleArn,
    errorCode: record.errorCode,
    invokedBy: identity?.invokedBy,
    roleSessionName: record.requestParameters?.roleSessionName,
  };
}

/** `lab trail`: shows who called S3 and STS, as CloudTrail recorded it. */
export async function runTrail(
  options: TrailOptions,
  deps: { cloudTrail: CloudTrailClient; out: Output; clock: Clock },
): Promise<ExitCode> {
  const { cloudTrail, out, clock } = deps;
  const sinceMs = parseDuration(options.since ?? '30m');
  const start = new Date(clock.now() - sinceMs);
  out.say(
    `CloudTrail in ${LAB_CLUSTER.region}, since ${start.toISOString()} (${options.since ?? '30m'}): ${TRAIL_EVENT_NAMES.join(', ')}.`,
  );
  out.say(
    'CloudTrail delivers events about 5 minutes after the call, sometimes up to 15.' +
      (options.wait ? '' : ' Use --wait to poll until they arrive.'),
  );

  const deadline = clock.now() + (options.waitMinutes ?? 15) * 60_000;
  const progress = out.progress('Looking up events');
  let events = await lookupTrail(cloudTrail, start);
  while (options.wait && events.length === 0 && clock.now() < deadline) {
    progress.update(`No events yet; looking again in 30s (until ${new Date(deadline).toISOString()})`);
    await clock.sleep(30_000);
    events = await lookupTrail(cloudTrail, start);
  }
  progress.stop();

  out.result({ region: LAB_CLUSTER.region, since: start.toISOString(), events, chains: roleChains(events), ok: events.length > 0 });
  if (events.length === 0) {
    out.say(
      `No events since ${start.toISOString()}${options.wait ? ` after waiting ${options.waitMinutes ?? 15} min` : ''}. Run the scenarios (\`npm run lab -- verify\`), then try \`npm run lab -- trail --wait\`.`,
    );
    return ExitCode.CHECK_FAILED;
  }
  out.table(
    ['time (UTC)', 'event', 'identity type', 'identity', 'error'],
    events.map((e) => [
      e.time.replace('T', ' ').replace(/\.\d+Z$/, ''),
      e.eventName,
      e.identityType ?? '-',
      [
        e.identity ?? '-',
        e.ec2RoleDelivery ? `ec2RoleDelivery ${e.ec2RoleDelivery} (IMDS on a node)` : undefined,
        e.roleArn ? `-> ${e.roleArn}` : undefined,
      ]
        .filter(Boolean)
        .join('\n'),
      e.errorCode ?? '',
    ]),
  );
  printRoleChains(out, roleChains(events));
  return ExitCode.OK;
}

// ---------------------------------------------------------------------------------------------
// Role chains: EKS Pod Identity with a target role assumes two roles in a row.
// ---------------------------------------------------------------------------------------------

/**
 * AssumeRole happens all over an account; the lab keeps those that assume one of its roles. A
 * name CloudFormation generates starts with the stack's name ("MyStack-MyBucket-abcdefghijk1",
 * CloudFormation resource custom naming), and the lab's fixed names start with the cluster's.
 */
function isLabEvent(event: TrailEvent): boolean {
  if (event.eventName !== 'AssumeRole') return true;
  return roleName(event.roleArn)?.startsWith(LAB_CLUSTER.name) ?? false;
}

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

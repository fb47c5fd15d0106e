import { CloudTrailClient, LookupAttributeKey, paginateLookupEvents } from '@aws-sdk/client-cloudtrail';
import { LAB_CLUSTER } from '../cluster-contract';
import { Clock } from './clock';
import { ExitCode, LabError } from './errors';
import { Output } from './output';

/** The calls that show who a pod really was. */
export const TRAIL_EVENT_NAMES = ['ListBuckets', 'AssumeRoleWithWebIdentity', 'AssumeRoleForPodIdentity', 'GetCallerIdentity'] as const;

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
      for (const event of page.Events ?? []) events.push(toTrailEvent(event.EventName ?? name, event.EventTime, event.CloudTrailEvent));
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
    sessionContext?: { ec2RoleDelivery?: string };
  };
  requestParameters?: { roleArn?: string };
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
    identity: identity?.arn ?? identity?.userName ?? identity?.principalId,
    ec2RoleDelivery: identity?.sessionContext?.ec2RoleDelivery,
    roleArn: record.requestParameters?.roleArn,
    errorCode: record.errorCode,
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

  out.result({ region: LAB_CLUSTER.region, since: start.toISOString(), events, ok: events.length > 0 });
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
  return ExitCode.OK;
}

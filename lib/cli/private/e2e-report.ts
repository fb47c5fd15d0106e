import { LAB_CLUSTER } from '../../cluster-contract';

/** How a phase of an end-to-end run ended. */
export enum PhaseStatus {
  PASSED = 'passed',
  FAILED = 'failed',
  /** Not run: an option left it out, or an earlier phase made it pointless. */
  SKIPPED = 'skipped',
  /** Stopped by SIGINT or SIGTERM. */
  INTERRUPTED = 'interrupted',
}

/** One phase: what ran, how it ended and how long it took. */
export interface PhaseRecord {
  readonly name: string;
  /** The command it ran, as a user would type it. */
  readonly command?: string;
  readonly status: PhaseStatus;
  readonly seconds: number;
  /** One line on the outcome. */
  readonly detail?: string;
}

/** One scenario's verdict under one toggle setting, as `lab verify --json` reported it. */
export interface VerdictRecord {
  /** `defaults`, or the toggles that differ from them. */
  readonly toggles: string;
  readonly scenario: string;
  readonly expected: { readonly phase: string; readonly caller: string; readonly logSignature?: string };
  readonly observed?: { readonly phase: string; readonly caller?: string };
  readonly ok: boolean;
}

/** Whether CloudTrail showed the caller a scenario expects. */
export interface TrailRecord {
  readonly scenario: string;
  readonly caller: string;
  readonly looksFor: string;
  readonly found?: { readonly time: string; readonly eventName: string; readonly identity?: string };
}

/** The estimated cost of the run: the hourly estimate of `lab cost` times the hours deployed. */
export interface CostRecord {
  /** USD per hour while deployed; undefined if `lab cost` could not tell. */
  readonly hourlyUsd?: number;
  /** From the first deploy until the destroy finished, or until the report if the lab still runs. */
  readonly deployedHours: number;
  readonly estimatedUsd?: number;
  readonly priceTable?: { readonly source: string; readonly asOf: string };
}

/** Everything an end-to-end run found, for people (markdown) and for machines (JSON). */
export interface E2eReport {
  readonly ok: boolean;
  readonly account: string;
  readonly region: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly options: { readonly skipToggles: boolean; readonly keep: boolean; readonly reuse: boolean; readonly cleanupOnly: boolean };
  /** The signal that stopped the run, if one did. */
  readonly interrupted?: string;
  readonly phases: readonly PhaseRecord[];
  readonly verdicts: readonly VerdictRecord[];
  readonly trail: readonly TrailRecord[];
  readonly leftovers: readonly { readonly kind: string; readonly id: string; readonly detail: string }[];
  readonly cost: CostRecord;
  /** True when the lab may still be deployed: --keep, or a destroy that did not finish. */
  readonly stillDeployed: boolean;
}

/** `75` → `1m 15s`; `3725` → `1h 02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const MARK: Record<PhaseStatus, string> = {
  [PhaseStatus.PASSED]: '✓',
  [PhaseStatus.FAILED]: '✗',
  [PhaseStatus.SKIPPED]: '-',
  [PhaseStatus.INTERRUPTED]: '✗',
};

/** Keeps a markdown table cell on one line. */
function cell(text: string | undefined): string {
  return (text ?? '').replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function usd(value: number | undefined, digits: number): string {
  return value === undefined ? 'unknown' : `${value.toFixed(digits)} USD`;
}

/** The report as markdown: a summary, then one table per part. */
export function renderMarkdown(report: E2eReport): string {
  const lines: string[] = [];
  const verdict = report.ok
    ? '✓ Everything held.'
    : report.interrupted
      ? `✗ Interrupted by ${report.interrupted}.`
      : '✗ Something did not hold.';
  lines.push(`# ${LAB_CLUSTER.name} end-to-end run`, '');
  lines.push(verdict, '');
  lines.push(`- account ${report.account}, region ${report.region}`);
  lines.push(`- ${report.startedAt} to ${report.finishedAt} (${formatDuration(report.seconds)})`);
  lines.push(
    `- estimated cost: ${usd(report.cost.estimatedUsd, 2)} (${usd(report.cost.hourlyUsd, 4)}/h × ${report.cost.deployedHours.toFixed(2)} h deployed` +
      `${report.cost.priceTable ? `; ${report.cost.priceTable.source}, as of ${report.cost.priceTable.asOf}` : ''}; an estimate, not a bill)`,
  );
  const options = Object.entries(report.options)
    .filter(([, on]) => on)
    .map(([name]) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  if (options.length > 0) lines.push(`- options: ${options.join(' ')}`);
  if (report.stillDeployed) {
    lines.push(`- **the lab may still be deployed**: run \`npx cdk destroy --all\`, then \`npm run lab -- leftovers\``);
  }

  lines.push('', '## Phases', '', '| phase | result | time | detail |', '|---|---|---|---|');
  for (const phase of report.phases) {
    lines.push(
      `| ${cell(phase.name)} | ${MARK[phase.status]} ${phase.status} | ${formatDuration(phase.seconds)} | ${cell(phase.detail)}${phase.command ? ` (\`${cell(phase.command)}\`)` : ''} |`,
    );
  }

  if (report.verdicts.length > 0) {
    lines.push('', '## Verdicts', '', '| toggles | scenario | expected | observed | |', '|---|---|---|---|---|');
    for (const v of report.verdicts) {
      const expected = `${v.expected.phase}, caller ${v.expected.caller}${v.expected.logSignature ? `, log "${v.expected.logSignature}"` : ''}`;
      const observed = v.observed ? `${v.observed.phase}, caller ${v.observed.caller ?? '(no sleep pod)'}` : 'not deployed';
      lines.push(`| ${cell(v.toggles)} | ${cell(v.scenario)} | ${cell(expected)} | ${cell(observed)} | ${v.ok ? '✓' : '✗'} |`);
    }
  }

  if (report.trail.length > 0) {
    lines.push('', '## CloudTrail', '', '| scenario | caller | looked for | found |', '|---|---|---|---|');
    for (const t of report.trail) {
      const found = t.found ? `✓ ${t.found.time} ${t.found.eventName} ${t.found.identity ?? ''}`.trim() : '✗ not found';
      lines.push(`| ${cell(t.scenario)} | ${cell(t.caller)} | ${cell(t.looksFor)} | ${cell(found)} |`);
    }
  }

  if (report.leftovers.length > 0) {
    lines.push('', '## Left in the account', '', '| kind | id | detail |', '|---|---|---|');
    for (const l of report.leftovers) lines.push(`| ${cell(l.kind)} | ${cell(l.id)} | ${cell(l.detail)} |`);
  }
  return `${lines.join('\n')}\n`;
}

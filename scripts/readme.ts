/** `npm run readme`: rewrites the README's expected-outcome table from lib/scenarios.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImdsMode } from '../lib/lab-config';
import { expectedOutcome, LabToggles, ProbeCommand, SCENARIOS } from '../lib/scenarios';

export const OUTCOMES_START = '<!-- outcomes:start -->';
export const OUTCOMES_END = '<!-- outcomes:end -->';
const README = path.join(__dirname, '..', 'README.md');

/** The toggle settings the README's outcome table covers, by name. */
const DOCUMENTED_TOGGLES: ReadonlyArray<{ readonly label: string; readonly toggles: LabToggles }> = [
  { label: 'defaults', toggles: { nodeRoleS3Access: false, imds: ImdsMode.OPEN } },
  { label: '`-c nodeRoleS3Access=true`', toggles: { nodeRoleS3Access: true, imds: ImdsMode.OPEN } },
  { label: '`-c imds=locked`', toggles: { nodeRoleS3Access: false, imds: ImdsMode.LOCKED } },
];

/** The expected-outcome table as Markdown: one row per scenario and toggle setting. */
export function outcomeTableMarkdown(): string {
  const rows = ['| scenario | toggles | `s3 ls` pod | phase | log shows | caller | why |', '|---|---|---|---|---|---|---|'];
  // Scenarios with probes have their own table, one row per pod.
  for (const scenario of SCENARIOS.filter((s) => !s.probes)) {
    for (const { label, toggles } of DOCUMENTED_TOGGLES) {
      const outcome = expectedOutcome(scenario.id, toggles);
      const log = outcome.logSignature ? `\`${outcome.logSignature}\`` : 'the bucket list';
      rows.push(`| ${scenario.id} | ${label} | \`${scenario.s3LsPod}\` | ${outcome.phase} | ${log} | ${outcome.caller} | ${outcome.why} |`);
    }
  }
  return rows.join('\n');
}

/** The README with its outcome tables replaced by the current ones. */
export function withCurrentOutcomes(readme: string): string {
  const withOutcomes = replaceBetween(readme, OUTCOMES_START, OUTCOMES_END, outcomeTableMarkdown());
  return replaceBetween(withOutcomes, PROBES_START, PROBES_END, probeTableMarkdown());
}

function replaceBetween(readme: string, startMarker: string, endMarker: string, table: string): string {
  const start = readme.indexOf(startMarker);
  const end = readme.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`README.md needs ${startMarker} and ${endMarker} markers`);
  return `${readme.slice(0, start + startMarker.length)}\n${table}\n${readme.slice(end)}`;
}

// --- EKS Pod Identity features: one row per pod, the same under every toggle -----------------

export const PROBES_START = '<!-- probes:start -->';
export const PROBES_END = '<!-- probes:end -->';

/** What a successful command prints. */
const SUCCESS_LOG: ReadonlyMap<ProbeCommand, string> = new Map([
  [ProbeCommand.LIST_BUCKETS, 'the bucket list'],
  [ProbeCommand.CALLER_IDENTITY, 'the caller, as JSON'],
]);

/** The table of the scenarios with probes: every pod, its command and what it should show. */
export function probeTableMarkdown(): string {
  const rows = ['| scenario | pod | runs | phase | log shows | caller | why |', '|---|---|---|---|---|---|---|'];
  for (const scenario of SCENARIOS) {
    for (const probe of scenario.probes ?? []) {
      const { expected, command } = probe;
      const log = expected.logSignature ? `\`${expected.logSignature}\`` : (SUCCESS_LOG.get(command) ?? "the object's metadata, as JSON");
      rows.push(
        `| ${scenario.id} | \`${probe.pod}\` | \`${command.toString()}\` | ${expected.phase} | ${log} | ${expected.caller} | ${expected.why} |`,
      );
    }
  }
  return rows.join('\n');
}

if (require.main === module) {
  fs.writeFileSync(README, withCurrentOutcomes(fs.readFileSync(README, 'utf8')));
}

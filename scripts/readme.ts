/** `npm run readme`: rewrites the README's expected-outcome table and its drills from lib/scenarios.ts and lib/drills.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DRILLS, drillDeployCommand } from '../lib/drills';
import { Drill, ImdsMode } from '../lib/lab-config';
import { DRILL_OUTCOMES, expectedOutcome, LabToggles, ProbeCommand, SCENARIOS, scenario } from '../lib/scenarios';

export const OUTCOMES_START = '<!-- outcomes:start -->';
export const OUTCOMES_END = '<!-- outcomes:end -->';
const README = path.join(__dirname, '..', 'README.md');

/** The toggle settings the README's outcome table covers, by name. */
const DOCUMENTED_TOGGLES: ReadonlyArray<{ readonly label: string; readonly toggles: LabToggles }> = [
  { label: 'defaults', toggles: { nodeRoleS3Access: false, imds: ImdsMode.OPEN } },
  { label: '`-c nodeRoleS3Access=true`', toggles: { nodeRoleS3Access: true, imds: ImdsMode.OPEN } },
  { label: '`-c imds=locked`', toggles: { nodeRoleS3Access: false, imds: ImdsMode.LOCKED } },
  { label: '`-c imds=leaky`', toggles: { nodeRoleS3Access: false, imds: ImdsMode.LEAKY } },
];

/**
 * The expected-outcome table as Markdown: one row per scenario for the defaults, and one more for
 * each toggle setting that changes what it shows.
 */
export function outcomeTableMarkdown(): string {
  const rows = ['| scenario | toggles | `s3 ls` pod | phase | log shows | caller | why |', '|---|---|---|---|---|---|---|'];
  // Scenarios with probes have their own table, one row per pod.
  for (const scenario of SCENARIOS.filter((s) => !s.probes)) {
    const [defaults, ...others] = DOCUMENTED_TOGGLES.map(({ label, toggles }) => ({
      label,
      outcome: expectedOutcome(scenario.id, toggles),
    }));
    const changed = others.filter(({ outcome }) => JSON.stringify(outcome) !== JSON.stringify(defaults.outcome));
    const shown = changed.length === 0 ? [{ ...defaults, label: 'any' }] : [defaults, ...changed];
    for (const { label, outcome } of shown) {
      const log = outcome.logSignature ? `\`${outcome.logSignature}\`` : 'the bucket list';
      const caller = outcome.ec2RoleDelivery ? `${outcome.caller}, \`ec2RoleDelivery ${outcome.ec2RoleDelivery}\`` : outcome.caller;
      rows.push(`| ${scenario.id} | ${label} | \`${scenario.s3LsPod}\` | ${outcome.phase} | ${log} | ${caller} | ${outcome.why} |`);
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

// ---- Drills: one question and its folded answer per drill ----

export const DRILLS_START = '<!-- drills:start -->';
export const DRILLS_END = '<!-- drills:end -->';

/** Each drill as a README subsection: how to deploy it, the question, and the answer under `<details>`. */
export function drillsMarkdown(): string {
  const defaults = DOCUMENTED_TOGGLES[0].toggles;
  return Object.values(Drill)
    .map((drill) => {
      const guide = DRILLS[drill];
      const id = DRILL_OUTCOMES[drill].scenario;
      const { s3LsPod } = scenario(id);
      const outcome = expectedOutcome(id, defaults, drill);
      const commands = [guide.beforeDeploy?.command, drillDeployCommand(drill), guide.afterDeploy?.command].filter(Boolean);
      const notes = [guide.beforeDeploy, guide.afterDeploy].filter(Boolean).map((step) => `\`${step!.command}\`: ${md(step!.why)}`);
      return [
        `#### \`${drill}\``,
        '',
        md(guide.breaks),
        '',
        '```bash',
        ...commands,
        '```',
        ...(notes.length ? ['', ...notes.map((note) => `Why ${note}`)] : []),
        '',
        `**What will \`${s3LsPod}\` print, and who will CloudTrail say called?**`,
        '',
        '<details>',
        '<summary>Answer</summary>',
        '',
        outcome.logSignature
          ? `\`${s3LsPod}\` ends **${outcome.phase}** and prints:\n\n\`\`\`text\n${outcome.logSignature}\n\`\`\``
          : `\`${s3LsPod}\` ends **${outcome.phase}** and prints the bucket list.`,
        '',
        `- **Caller:** \`${outcome.caller}\`. ${md(guide.cloudTrail)}`,
        `- **Why:** ${md(outcome.why)}`,
        ...(outcome.unconfirmed ? [`- **Unconfirmed:** ${md(outcome.unconfirmed)}.`] : []),
        `- **Fix:** ${md(guide.fix)}`,
        `- \`npm run lab -- verify ${id}\` checks this outcome; \`npm run lab -- doctor\` names the mistake.`,
        '',
        '</details>',
      ].join('\n');
    })
    .join('\n\n');
}

/** Text for Markdown outside code: `<role ARN>` would otherwise read as an HTML tag and vanish. */
function md(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The README with its drills replaced by the current ones. */
export function withCurrentDrills(readme: string): string {
  const start = readme.indexOf(DRILLS_START);
  const end = readme.indexOf(DRILLS_END);
  if (start < 0 || end < start) throw new Error(`README.md needs ${DRILLS_START} and ${DRILLS_END} markers`);
  return `${readme.slice(0, start + DRILLS_START.length)}\n${drillsMarkdown()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  fs.writeFileSync(README, withCurrentDrills(withCurrentOutcomes(fs.readFileSync(README, 'utf8'))));
}

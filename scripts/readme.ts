/**
 * `npm run readme`: rewrites the README's expected-outcome table and its drills from lib/scenarios.ts
 * and lib/drills.ts, and its sample outputs and cost figures from what the commands print today.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { App } from 'aws-cdk-lib';
import { LabAssembly } from '../lib/cli/assembly';
import { estimateCost } from '../lib/cli/commands/cost';
import { runDoctor } from '../lib/cli/commands/doctor';
import { Output } from '../lib/cli/output';
import { LAB_CLUSTER } from '../lib/cluster-contract';
import { DRILLS, drillDeployCommand } from '../lib/drills';
import { buildLab } from '../lib/app/lab';
import { Drill, ImdsMode, parseLabConfig } from '../lib/lab-config';
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

// ---- Samples: what the commands print today, from the synthesized lab ----

/** A terminal that keeps what a command prints, as a string. */
class StringTerminal {
  text = '';
  readonly stdout = new Writable({
    write: (chunk, _encoding, done) => {
      this.text += String(chunk);
      done();
    },
  });
  readonly stderr = new Writable({ write: (_chunk, _encoding, done) => done() });
}

/** What `command` prints to stdout run on the assembly in `dir`, with the directory shown as cdk.out. */
async function printed(dir: string, run: (out: Output) => unknown): Promise<string> {
  const terminal = new StringTerminal();
  await run(new Output(terminal, false));
  return terminal.text.split(dir).join('cdk.out').trimEnd();
}

/** The README's samples, by marker name, from the lab synthesized with the defaults and with `-c drill=irsa-aud-typo`. */
export async function currentSamples(assembly: string, drillAssembly: string): Promise<Record<string, string>> {
  const estimate = estimateCost(LabAssembly.read(assembly));
  const usd = (value: number, digits: number) => value.toFixed(digits);
  const unused = () => {
    throw new Error('the offline doctor needs no AWS and no cluster');
  };
  const doctor = (dir: string) => (out: Output) => runDoctor({ assembly: dir, offline: true }, { out, aws: unused, kube: unused });
  const checks = estimate.items.length;
  return {
    'cost-summary':
      `**About ${usd(estimate.hourly, 2)} USD an hour, ${usd(estimate.hourly * 24, 2)} USD a day** (${usd(estimate.monthly, 0)} USD a month) ` +
      `while it is deployed, at list on-demand prices in ${LAB_CLUSTER.region} (\`npm run lab -- cost\` itemizes ${checks} lines).`,
    'cost-table': [
      '| item | stack | USD/h |',
      '|---|---|---|',
      ...estimate.items.map((item) => `| ${item.item} | \`${item.stack}\` | ${usd(item.hourly, 4)} |`),
      `| **total** | | **${usd(estimate.hourly, 4)}** |`,
    ].join('\n'),
    'doctor-offline': [
      '```console',
      '$ npx cdk synth --quiet',
      '$ npm run lab -- doctor --offline',
      await printed(assembly, doctor(assembly)),
      '```',
    ].join('\n'),
    'doctor-drill': [
      '```console',
      '$ npx cdk synth --quiet -c drill=irsa-aud-typo',
      '$ npm run lab -- doctor --offline',
      await printed(drillAssembly, doctor(drillAssembly)),
      '```',
    ].join('\n'),
    'verify-verdicts': [
      '```console',
      '$ npm run lab -- verify',
      `✔ All ${SCENARIOS.length} s3 ls pod(s) finished.`,
      'Toggles from the cloud assembly: imds=open, nodeRoleS3Access=false',
      '… each pod, its log and its caller, then a table of expected and observed outcomes …',
      // The verdict lines `lab verify` prints when every scenario holds (lib/cli/commands/verify.ts, printVerdicts).
      ...SCENARIOS.flatMap((s) => [
        `✓ ${s.id}: ${expectedOutcome(s.id, DOCUMENTED_TOGGLES[0].toggles).why}`,
        ...(s.probes ?? []).map((probe) => `✓ ${s.id}/${probe.pod}: ${probe.expected.why}`),
      ]),
      '```',
    ].join('\n'),
  };
}

const sampleStart = (name: string) => `<!-- sample:${name}:start -->`;
const sampleEnd = (name: string) => `<!-- sample:${name}:end -->`;

/** The README with every sample replaced by what the commands print today. */
export function withCurrentSamples(readme: string, samples: Record<string, string>): string {
  let text = readme;
  for (const [name, sample] of Object.entries(samples)) {
    // A sample may appear more than once, e.g. the cost on the first screen and under "Cost".
    const parts = text.split(sampleStart(name));
    if (parts.length < 2) throw new Error(`README.md needs ${sampleStart(name)} and ${sampleEnd(name)} markers`);
    text = parts
      .map((part, i) => (i === 0 ? part : replaceBetween(`${sampleStart(name)}${part}`, sampleStart(name), sampleEnd(name), sample)))
      .join('');
  }
  return text;
}

/** The lab synthesized in-process with cdk.json's context plus `context`, as `npx cdk synth` does without cdk.context.json. */
function synthesize(context: Record<string, unknown>): Promise<string> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
  const app = new App({
    context: { ...cdkJson, ...context },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-readme-')),
  });
  return buildLab(
    app,
    parseLabConfig((key) => app.node.tryGetContext(key)),
    undefined,
  ).then(() => app.synth().directory);
}

async function main(): Promise<void> {
  const [assembly, drillAssembly] = [await synthesize({}), await synthesize({ drill: Drill.IRSA_AUD_TYPO })];
  const samples = await currentSamples(assembly, drillAssembly);
  fs.writeFileSync(README, withCurrentSamples(withCurrentDrills(withCurrentOutcomes(fs.readFileSync(README, 'utf8'))), samples));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}

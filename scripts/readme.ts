/** `npm run readme`: rewrites the README's expected-outcome table from lib/scenarios.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImdsMode } from '../lib/lab-config';
import { expectedOutcome, LabToggles, SCENARIOS } from '../lib/scenarios';

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
  for (const scenario of SCENARIOS) {
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

/** The README with its outcome table replaced by the current one. */
export function withCurrentOutcomes(readme: string): string {
  const start = readme.indexOf(OUTCOMES_START);
  const end = readme.indexOf(OUTCOMES_END);
  if (start < 0 || end < start) throw new Error(`README.md needs ${OUTCOMES_START} and ${OUTCOMES_END} markers`);
  return `${readme.slice(0, start + OUTCOMES_START.length)}\n${outcomeTableMarkdown()}\n${readme.slice(end)}`;
}

if (require.main === module) {
  fs.writeFileSync(README, withCurrentOutcomes(fs.readFileSync(README, 'utf8')));
}

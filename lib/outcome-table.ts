import { ImdsMode } from './lab-config';
import { expectedOutcome, LabToggles, SCENARIOS } from './scenarios';

/** The toggle settings the README's outcome table covers, by name. */
export const DOCUMENTED_TOGGLES: ReadonlyArray<{ readonly label: string; readonly toggles: LabToggles }> = [
  { label: 'defaults', toggles: { nodeRoleS3Access: false, imds: ImdsMode.OPEN } },
  { label: '`-c nodeRoleS3Access=true`', toggles: { nodeRoleS3Access: true, imds: ImdsMode.OPEN } },
  { label: '`-c imds=locked`', toggles: { nodeRoleS3Access: false, imds: ImdsMode.LOCKED } },
];

/** The expected-outcome table as Markdown: one row per scenario and toggle setting. */
export function outcomeTableMarkdown(): string {
  const rows = ['| scenario | toggles | `s3 ls` pod | phase | log shows | caller | why |', '|---|---|---|---|---|---|---|'];
  for (const scenario of SCENARIOS) {
    for (const { label, toggles } of DOCUMENTED_TOGGLES) {
      const outcome = expectedOutcome(scenario.id, toggles);
      const log = outcome.logSignature ? `\`${outcome.logSignature}\`` : 'the bucket list';
      rows.push(`| ${scenario.id} | ${label} | \`${scenario.s3LsPod}\` | ${outcome.phase} | ${log} | ${outcome.caller} | ${outcome.why} |`);
    }
  }
  return rows.join('\n');
}

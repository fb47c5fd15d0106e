/** `npm run readme`: rewrites the README's expected-outcome table from lib/scenarios.ts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outcomeTableMarkdown } from '../lib/outcome-table';

export const OUTCOMES_START = '<!-- outcomes:start -->';
export const OUTCOMES_END = '<!-- outcomes:end -->';
const README = path.join(__dirname, '..', 'README.md');

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

import { Finding, Severity } from '../../../lib/cli/rules';

/** A rule's finding with the given rule, subject and field; the rest is filler no lesson or hint reads. */
export function findingOf(ruleId: string, subject: string, field?: string): Finding {
  return { ruleId, subject, field, severity: Severity.WARNING, message: 'found', fix: 'fix it', verifiable: true };
}

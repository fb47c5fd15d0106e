import { ClusterModel } from '../../../model/cluster-model';
import { effectiveCredential } from '../../../model/effective-credential';
import { Finding, RULES, Rule, SEVERITY_RANK, Severity } from '../../rules';

/** What one audit found, for every output format. */
export interface AuditReport {
  readonly cluster: string;
  readonly source: string;
  readonly findings: readonly Finding[];
  /** What each pod really gets, in the SDK chain's order. */
  readonly credentials: readonly { readonly pod: string; readonly mechanism: string; readonly detail: string }[];
}

export function buildReport(model: ClusterModel, findings: readonly Finding[], source: string): AuditReport {
  return {
    cluster: model.cluster.name,
    source,
    findings,
    credentials: model.pods.map((pod) => {
      const effective = effectiveCredential(model, pod);
      return { pod: `${pod.namespace}/${pod.name}`, mechanism: effective.mechanism, detail: effective.detail };
    }),
  };
}

/** Whether any verifiable finding is at or above the threshold. */
export function failsAt(findings: readonly Finding[], threshold: Severity): boolean {
  return findings.some((f) => f.verifiable && SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold]);
}

/** The widest a table line may be. */
export const TABLE_WIDTH = 100;

/** Findings as a table of at most 100 columns: severity, rule, subject, and the diagnosis wrapped under them. */
export function renderTable(report: AuditReport): string {
  const lines: string[] = wrap(`Audit of ${report.cluster} (${report.source}): ${report.findings.length} finding(s).`, '', TABLE_WIDTH);
  for (const f of report.findings) {
    lines.push('');
    lines.push(...wrap(`${f.severity.toUpperCase().padEnd(7)} ${f.ruleId.padEnd(9)} ${f.subject}`, '', TABLE_WIDTH));
    if (f.mechanism) lines.push(...wrap(`mechanism: ${f.mechanism}`, '    ', TABLE_WIDTH));
    lines.push(...wrap(f.message, '    ', TABLE_WIDTH));
    if (f.field) lines.push(...wrap(`field: ${f.field}${f.expected ? `; expected: ${f.expected}` : ''}`, '    ', TABLE_WIDTH));
    lines.push(...wrap(`fix: ${f.fix}`, '    ', TABLE_WIDTH));
    if (f.drill) lines.push(...wrap(`reproduce it in the lab: npx cdk deploy --all -c drill=${f.drill}`, '    ', TABLE_WIDTH));
  }
  return lines.join('\n');
}

/** Wraps text at spaces; a word longer than a line (an ARN) is cut. */
export function wrap(text: string, indent: string, width: number): string[] {
  const lines: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/)) {
    const candidate = line.trim() === '' ? `${indent}${word}` : `${line} ${word}`;
    if (candidate.length <= width) {
      line = candidate;
      continue;
    }
    if (line.trim() !== '') lines.push(line);
    let rest = `${indent}${word}`;
    while (rest.length > width) {
      lines.push(rest.slice(0, width));
      rest = `${indent}${rest.slice(width)}`;
    }
    line = rest;
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}

/** SARIF 2.1.0 (OASIS): one run, the rules as the tool's rules, each finding a result. */
export function renderSarif(report: AuditReport, rules: readonly Rule[] = RULES): unknown {
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'lab audit',
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.name,
              shortDescription: { text: rule.name },
              fullDescription: { text: rule.explanation },
              help: { text: rule.resolution },
              helpUri: rule.links[0],
              defaultConfiguration: { level: rule.severity },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.ruleId,
          ruleIndex: rules.findIndex((rule) => rule.id === f.ruleId),
          // SARIF 2.1.0 §3.27.9: a result whose kind is not "fail" has level "none".
          level: f.verifiable ? f.severity : 'none',
          kind: f.verifiable ? 'fail' : 'review',
          message: { text: `${f.subject}: ${f.message} Fix: ${f.fix}` },
          locations: [{ logicalLocations: [{ fullyQualifiedName: `${report.cluster}/${f.subject}`, kind: 'resource' }] }],
          properties: { mechanism: f.mechanism, field: f.field, expected: f.expected, drill: f.drill },
        })),
      },
    ],
  };
}

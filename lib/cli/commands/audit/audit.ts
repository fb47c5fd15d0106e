import { SourceKind } from '../../../model/cluster-model';
import { ExitCode, LabError } from '../../errors';
import { Output } from '../../output';
import { RULES, Severity, runRules } from '../../rules';
import { SnapshotDocuments } from '../../sources/snapshot-layout';
import { modelFromSnapshot, readSnapshotDir, writeSnapshotDir } from '../../sources/snapshot';
import { printablePolicies } from './audit-policy';
import { buildReport, failsAt, renderSarif, renderTable } from './report';

export interface AuditOptions {
  /** The cluster to collect from; ignored with `from`. */
  readonly cluster?: string;
  readonly region?: string;
  /** Analyze this saved snapshot offline, with no credentials. */
  readonly from?: string;
  /** Keep the collected snapshot here. */
  readonly save?: string;
  readonly includeSecrets?: boolean;
  /** @default Severity.WARNING */
  readonly failOn?: Severity;
  readonly sarif?: boolean;
  readonly printPolicy?: boolean;
}

export interface AuditDeps {
  readonly out: Output;
  /** Writes raw text to stdout: the SARIF log and the policies. */
  readonly write: (text: string) => void;
  /** Collects a snapshot of a live cluster, read-only. */
  readonly collect: (cluster: string, options: { region?: string; includeSecrets: boolean; out: Output }) => Promise<SnapshotDocuments>;
}

/** `lab audit`: the lab's diagnosis, pointed at any EKS cluster, read-only. */
export async function runAudit(options: AuditOptions, deps: AuditDeps): Promise<ExitCode> {
  if (options.printPolicy) {
    deps.write(`${printablePolicies()}\n`);
    return ExitCode.OK;
  }
  let documents: SnapshotDocuments;
  let source: string;
  if (options.from) {
    documents = readSnapshotDir(options.from);
    source = `snapshot ${options.from}`;
  } else {
    if (!options.cluster) throw new LabError('Name the cluster to audit (--cluster NAME), or a saved snapshot (--from DIR).');
    documents = await deps.collect(options.cluster, {
      region: options.region,
      includeSecrets: Boolean(options.includeSecrets),
      out: deps.out,
    });
    source = `live, ${options.region ?? 'default region'}`;
    if (options.save) writeSnapshotDir(options.save, documents);
  }
  const model = modelFromSnapshot(documents, SourceKind.SNAPSHOT);
  const findings = runRules(model);
  const report = buildReport(model, findings, source);
  if (options.sarif) deps.write(`${JSON.stringify(renderSarif(report, RULES), null, 2)}\n`);
  else {
    deps.out.result(report);
    deps.out.say(renderTable(report));
    if (options.save && !options.from)
      deps.out.say(`Snapshot saved in ${options.save}; analyze it again with \`lab audit --from ${options.save}\`.`);
  }
  return failsAt(findings, options.failOn ?? Severity.WARNING) ? ExitCode.CHECK_FAILED : ExitCode.OK;
}

/** The real collection: the caller's AWS credentials and kubeconfig context, loaded only when needed. */
export function auditDeps(out: Output, terminal: { stdout: NodeJS.WritableStream }): AuditDeps {
  return {
    out,
    write: (text) => terminal.stdout.write(text),
    collect: async (cluster, options) => {
      const { connectAudit } = await import('./connect');
      const { collectLive } = await import('../../sources/live');
      return collectLive(connectAudit(options.region), cluster, options);
    },
  };
}

import { SCENARIOS, ScenarioId } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { AwsClients } from '../aws-clients';
import { Clock } from '../clock';
import { ExitCode } from '../errors';
import { LabKube } from '../kube';
import { Output, mark } from '../output';
import { liveChecks } from '../private/doctor-live';
import { offlineChecks } from '../private/doctor-offline';
import { Finding } from '../private/findings';

export { Finding } from '../private/findings';

export interface DoctorOptions {
  /** The cloud assembly directory. */
  readonly assembly: string;
  /**
   * Check only the cloud assembly, without AWS or the cluster.
   * @default false
   */
  readonly offline?: boolean;
  /**
   * List every check, not only the failed ones.
   * @default false - the failed checks and the summary
   */
  readonly verbose?: boolean;
}

export interface DoctorDeps {
  readonly out: Output;
  /** Connects to AWS; only called without `offline`. */
  readonly aws: () => Promise<AwsClients>;
  /** Loads the kubeconfig; only called without `offline`. */
  readonly kube: () => LabKube;
  /**
   * Paces the reads of the deployed lab within each API's rate.
   * @default SYSTEM_CLOCK
   */
  readonly clock?: Clock;
}

/** `lab doctor`: names every mismatch that would break a scenario, and how to fix it. */
export async function runDoctor(options: DoctorOptions, deps: DoctorDeps): Promise<ExitCode> {
  const { out } = deps;
  const assembly = LabAssembly.read(options.assembly);
  // Both are needed live: find out now, before printing anything, if either is missing.
  const live = options.offline ? undefined : { kube: deps.kube(), aws: await deps.aws() };

  const report = offlineChecks(assembly);
  if (live) {
    const progress = out.progress('Checking the deployed lab');
    const present = new Set(assembly.stacks.map((stack) => stack.stackName));
    const clusterThere = await liveChecks(
      live.aws,
      live.kube,
      { toggles: report.toggles, scenarios: new Set(scenariosIn(present)) },
      report.findings,
    );
    progress.stop();
    // Loaded only live: it reads the cluster through the Kubernetes client, which --offline never needs.
    const { deployedRuleChecks } = await import('../private/doctor-deployed');
    if (clusterThere) await deployedRuleChecks(live.aws, live.kube, report.toggles, report.findings, out, deps.clock);
  }

  const findings = report.findings.findings;
  const failed = findings.filter((f) => !f.ok);
  out.result({
    assembly: options.assembly,
    offline: Boolean(options.offline),
    toggles: report.toggles,
    skipped: report.skipped,
    findings,
    ok: failed.length === 0,
  });
  out.say(
    `Checked ${options.assembly}${options.offline ? ' (offline)' : ' and the deployed lab'}${report.toggles ? `, toggles imds=${report.toggles.imds} nodeRoleS3Access=${report.toggles.nodeRoleS3Access}` : ''}.`,
  );
  for (const finding of options.verbose ? findings : failed) printFinding(out, finding);
  if (report.skipped.length > 0) {
    out.say(`Skipped (stack not in ${options.assembly}): ${report.skipped.map((s) => `${s.scenario} (${s.stackName})`).join(', ')}.`);
  }
  out.say(
    failed.length === 0
      ? `${mark(true)} No problems found (${findings.length} checks).`
      : `${mark(false)} ${failed.length} problem(s) in ${findings.length} checks.`,
  );
  if (!options.verbose && findings.length > failed.length)
    out.say(`--verbose lists the ${findings.length - failed.length} checks that pass.`);
  return failed.length === 0 ? ExitCode.OK : ExitCode.CHECK_FAILED;
}

function printFinding(out: Output, finding: Finding): void {
  out.say(`${mark(finding.ok)} [${finding.scope}] ${finding.check}: ${finding.detail}`);
  if (finding.fix) out.say(`    fix: ${finding.fix}`);
}

function scenariosIn(stackNames: Set<string>): ScenarioId[] {
  return SCENARIOS.filter((s) => stackNames.has(s.stackName)).map((s) => s.id);
}

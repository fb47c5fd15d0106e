import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, Stack, StackStatus } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DEPLOY_CONCURRENCY, LAB_CLUSTER } from '../../cluster-contract';
import { CI_ACCESS_STACK_NAME } from '../../lab-names';
import { CONTEXT_FILE } from '../../remembered-toggles';
import { LabToggles, SCENARIOS } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { Clock } from '../clock';
import { ExitCode, LabError, firstLine } from '../errors';
import { KUBECONFIG_COMMAND, KubeconfigResult } from './kubeconfig';
import { Terminal } from '../output';
import { contextArgs, describeToggles, labStackNames, toggleVariants, trailExpectations } from '../private/e2e-plan';
import {
  CostRecord,
  E2eReport,
  PhaseRecord,
  PhaseStatus,
  TrailRecord,
  VerdictRecord,
  formatDuration,
  renderMarkdown,
} from '../private/e2e-report';
import type { ScenarioVerdict } from './verify';
import type { TrailEvent } from './trail';
import type { E2eRunner, InterruptSource, LabRun } from '../private/e2e-runner-types';

export { E2eReport, PhaseStatus } from '../private/e2e-report';

export { E2eRunner, InterruptSource, LabRun, RunOptions } from '../private/e2e-runner-types';

export interface E2eOptions {
  /** Do not ask before deploying. */
  readonly yes?: boolean;
  /** Run even if lab stacks exist already; they are destroyed at the end unless `keep`. */
  readonly reuse?: boolean;
  /** Leave the lab deployed at the end. */
  readonly keep?: boolean;
  /** Verify the default toggles only. */
  readonly skipToggles?: boolean;
  /** Only wait for the lab's stacks to settle, destroy them and look for leftovers. */
  readonly cleanupOnly?: boolean;
  /** Where `cdk` writes the cloud assembly. */
  readonly assembly: string;
  /** Where report.md and report.json go. */
  readonly reportDir: string;
  /** Print the report as JSON instead of markdown. */
  readonly json?: boolean;
  /**
   * How long `lab verify` waits for the pods after each deploy, in seconds.
   * @default 900 - a replaced node pulls the AWS CLI image again
   */
  readonly verifyTimeoutSeconds?: number;
  /**
   * How long to wait for every scenario's CloudTrail event, in minutes.
   * @default 20 - CloudTrail delivers events about 5 minutes after the call, sometimes 15
   */
  readonly trailTimeoutMinutes?: number;
  /**
   * How long to wait for stacks still being updated before destroying them, in minutes.
   * @default 60
   */
  readonly settleTimeoutMinutes?: number;
  /**
   * The file where deploys remember their toggles. The run deploys each toggle with `-c`, which
   * the lab remembers there; it is put back as it was at the start, so the next deploy after the
   * run gets the user's toggles, not the last ones the run tried.
   * @default cdk.context.json
   */
  readonly contextFile?: string;
}

export interface E2eDeps {
  readonly terminal: Terminal;
  readonly runner: E2eRunner;
  readonly aws: () => Promise<{ readonly sts: STSClient; readonly cloudFormation: CloudFormationClient }>;
  readonly clock: Clock;
  readonly interrupts: InterruptSource;
  /** Asks a yes/no question; false when nobody can answer. */
  readonly confirm: (question: string) => Promise<boolean>;
}

const REGION = LAB_CLUSTER.region;
const TRAIL_POLL_MS = 60_000;
const SETTLE_POLL_MS = 30_000;

/** Phases whose failure stops the run: what follows them would check nothing. */
class Blocking extends Error {}

/**
 * `lab e2e`: deploys the whole lab, checks every scenario under every toggle, waits for
 * CloudTrail, destroys the lab and looks for leftovers. Whatever happens after the first
 * deploy starts, the destroy runs, unless `keep`.
 */
export async function runE2e(options: E2eOptions, deps: E2eDeps): Promise<ExitCode> {
  return new E2eRun(options, deps).run();
}

class E2eRun {
  private readonly log: (text?: string) => void;
  private readonly phases: PhaseRecord[] = [];
  private readonly verdicts: VerdictRecord[] = [];
  private trail: TrailRecord[] = [];
  private leftovers: E2eReport['leftovers'] = [];
  private readonly started: number;
  private interrupted?: string;
  private readonly main = new AbortController();
  /** Never aborted by a signal: the destroy must run to its end. */
  private readonly cleanup = new AbortController();
  private inCleanup = false;
  private deployStartedAt?: number;
  private destroyedAt?: number;
  private hourlyUsd?: number;
  private priceTable?: CostRecord['priceTable'];
  private kubeconfigDir?: string;

  constructor(
    private readonly options: E2eOptions,
    private readonly deps: E2eDeps,
  ) {
    // Progress goes to stdout for people; with --json, stdout holds only the report.
    const stream = options.json ? deps.terminal.stderr : deps.terminal.stdout;
    this.log = (text = '') => stream.write(`${text}\n`);
    this.started = deps.clock.now();
  }

  async run(): Promise<ExitCode> {
    const aws = await this.deps.aws();
    const account = await this.preflight(aws);
    const contextFile = this.options.contextFile ?? CONTEXT_FILE;
    const rememberedBefore = existsSync(contextFile) ? readFileSync(contextFile, 'utf8') : undefined;
    const stop = this.deps.interrupts.onInterrupt((signal) => this.onInterrupt(signal));
    try {
      if (this.options.reuse || this.options.cleanupOnly) this.deployStartedAt = this.started;
      if (!this.options.cleanupOnly) {
        try {
          await this.mainPhases();
        } catch (err) {
          // Whatever went wrong, the destroy below still runs.
          if (!(err instanceof Blocking)) this.record({ name: 'e2e', status: PhaseStatus.FAILED, seconds: 0, detail: firstLine(err) });
        }
      }
      await this.cleanupPhases(aws.cloudFormation);
    } finally {
      stop();
      if (this.kubeconfigDir) rmSync(this.kubeconfigDir, { recursive: true, force: true });
      this.restoreContextFile(contextFile, rememberedBefore);
    }
    return this.report(account);
  }

  // ---- before anything is deployed --------------------------------------------------------

  private async preflight(aws: { sts: STSClient; cloudFormation: CloudFormationClient }): Promise<string> {
    // GetCallerIdentity needs no permission: it names whoever the credentials belong to.
    const identity = await aws.sts.send(new GetCallerIdentityCommand({}));
    const account = identity.Account ?? '?';
    this.log(`Account ${account} (${identity.Arn ?? 'unknown identity'}), region ${REGION}.`);

    const existing = await describeLabStacks(aws.cloudFormation);
    if (existing.length > 0 && !this.options.reuse && !this.options.cleanupOnly) {
      throw new LabError(
        `Lab stacks already exist in ${REGION}: ${existing.map((s) => `${s.StackName} (${s.StackStatus})`).join(', ')}. ` +
          'Destroy them first (`npx cdk destroy --all`, then `npm run lab -- leftovers`), or pass --reuse to run against them; they are destroyed at the end unless --keep.',
      );
    }

    const plan = this.options.cleanupOnly
      ? `wait for, destroy and look for leftovers of the lab stacks${existing.length ? ` (${existing.map((s) => s.StackName).join(', ')})` : ' (none found)'}`
      : `deploy the whole lab (${labStackNames().join(', ')}), check it${this.options.skipToggles ? '' : ' under every toggle'}, ` +
        (this.options.keep ? 'and leave it running (--keep)' : 'then destroy it');
    this.log(`lab e2e will ${plan}.`);
    if (!this.options.yes && !(await this.deps.confirm(`Run it in account ${account}, region ${REGION}? [y/N] `))) {
      throw new LabError('Not confirmed, so nothing was deployed. Pass --yes to run without the question.');
    }

    // The kubeconfig needs the AWS CLI after a 20-minute deploy: find out now.
    if ((await this.deps.runner.aws(['--version'], { signal: this.main.signal })) !== 0) {
      throw new LabError(
        'The AWS CLI v2 is needed to reach the cluster (`aws eks get-token`). Install it (https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html), then retry.',
      );
    }
    return account;
  }

  // ---- the checks ---------------------------------------------------------------------------

  private async mainPhases(): Promise<void> {
    const assembly = this.options.assembly;
    let base: LabToggles | undefined;

    await this.phase('synth', `npx cdk synth --quiet --output ${assembly}`, true, async () => {
      await this.cdk(['synth', '--quiet', '--output', assembly]);
      const synthesized = LabAssembly.read(assembly);
      if (synthesized.stack(CI_ACCESS_STACK_NAME)) {
        // `cdk destroy --all` would then delete the role this run may be using.
        throw new Error(
          `The app includes ${CI_ACCESS_STACK_NAME}: cdk.json sets a ciAccess key. Pass ciAccess keys with -c only when deploying that stack, then retry.`,
        );
      }
      base = synthesized.toggles();
      if (!base) throw new Error(`${assembly} has no ${SCENARIOS[0].stackName} stack, so the toggles are unknown.`);
      const cost = await this.lab(['cost', '--assembly', assembly]);
      const estimate = cost.json as { hourly?: number; priceTable?: { source: string; asOf: string } } | undefined;
      this.hourlyUsd = estimate?.hourly;
      this.priceTable = estimate?.priceTable;
      return `toggles ${describeToggles(base)}; estimated ${this.hourlyUsd?.toFixed(4) ?? '?'} USD/h while deployed`;
    });

    await this.phase('doctor', `npm run lab -- doctor --offline --assembly ${assembly}`, true, async () =>
      this.expectOk(await this.lab(['doctor', '--offline', '--assembly', assembly]), findingsSummary),
    );

    await this.deploy('deploy', base!);
    await this.phase('kubeconfig', KUBECONFIG_COMMAND, true, async () => this.writeKubeconfig());
    await this.verify('verify', base!, base!);
    await this.phase('doctor (deployed)', `npm run lab -- doctor --assembly ${assembly}`, false, async () =>
      this.expectOk(await this.lab(['doctor', '--assembly', assembly], this.kubeEnv()), findingsSummary),
    );

    for (const toggles of this.options.skipToggles ? [] : toggleVariants(base!)) {
      const label = describeToggles(toggles, base);
      await this.deploy(`deploy ${label}`, toggles);
      await this.verify(`verify ${label}`, toggles, base!);
    }
    if (this.options.skipToggles) this.skip('toggles', '--skip-toggles: only the defaults were verified');

    await this.phase('trail', `npm run lab -- trail --since <run start>`, false, async () => this.waitForTrail(base!));
  }

  private async deploy(name: string, toggles: LabToggles): Promise<void> {
    const args = [
      'deploy',
      '--all',
      '--require-approval',
      'never',
      '--progress',
      'events',
      // The scenario stacks deploy side by side; the node holds their pods at this concurrency (test/node-capacity.test.ts).
      '--concurrency',
      String(DEPLOY_CONCURRENCY.e2e),
      '--output',
      this.options.assembly,
    ];
    const context = name === 'deploy' ? [] : contextArgs(toggles);
    await this.phase(name, `npx cdk ${[...args, ...context].join(' ')}`, true, async () => {
      this.deployStartedAt ??= this.deps.clock.now();
      await this.cdk([...args, ...context]);
      return `deployed with ${describeToggles(toggles)}`;
    });
  }

  private async verify(name: string, toggles: LabToggles, base: LabToggles): Promise<void> {
    const timeout = String(this.options.verifyTimeoutSeconds ?? 900);
    const args = ['verify', ...SCENARIOS.map((s) => s.id), '--assembly', this.options.assembly, '--timeout', timeout];
    await this.phase(name, `npm run lab -- ${args.join(' ')}`, false, async () => {
      const result = await this.lab(args, this.kubeEnv());
      const document = result.json as { scenarios?: ScenarioVerdict[] } | undefined;
      for (const v of document?.scenarios ?? []) {
        this.verdicts.push({
          toggles: describeToggles(toggles, base),
          scenario: v.scenario,
          expected: { phase: v.expected.phase, caller: v.expected.caller, logSignature: v.expected.logSignature },
          observed: v.observed ? { phase: v.observed.phase, caller: v.observed.caller?.kind ?? v.observed.caller?.detail } : undefined,
          ok: v.ok,
        });
      }
      return this.expectOk(result, () => {
        const verdicts = document?.scenarios ?? [];
        return `${verdicts.filter((v) => v.ok).length} of ${verdicts.length} scenarios as expected`;
      });
    });
  }

  /** Polls `lab trail` until each scenario's caller shows up, or the time is up. */
  private async waitForTrail(base: LabToggles): Promise<string> {
    const expectations = trailExpectations(base);
    const deadline = this.deps.clock.now() + (this.options.trailTimeoutMinutes ?? 20) * 60_000;
    const found = new Map<string, TrailEvent>();
    for (;;) {
      // Look back to the start of the run, with a minute to spare.
      const since = Math.ceil((this.deps.clock.now() - this.started) / 60_000) + 1;
      const result = await this.lab(['trail', '--since', `${since}m`]);
      if (result.code === ExitCode.CANNOT_CHECK) throw new Error(result.error ?? `lab trail exited ${result.code}`);
      const events = (result.json as { events?: TrailEvent[] } | undefined)?.events ?? [];
      for (const expectation of expectations) {
        const event = events.find(expectation.matches);
        if (event && !found.has(expectation.scenario)) found.set(expectation.scenario, event);
      }
      const missing = expectations.filter((e) => !found.has(e.scenario));
      this.trail = expectations.map((e) => {
        const event = found.get(e.scenario);
        return {
          scenario: e.scenario,
          caller: e.caller,
          looksFor: e.looksFor,
          found: event ? { time: event.time, eventName: event.eventName, identity: event.identity } : undefined,
        };
      });
      if (missing.length === 0) return `every scenario's caller is in CloudTrail (${expectations.length} events)`;
      if (this.deps.clock.now() >= deadline) {
        throw new Error(`no CloudTrail event yet for ${missing.map((m) => m.scenario).join(', ')}`);
      }
      this.log(`  CloudTrail has nothing yet for ${missing.map((m) => m.scenario).join(', ')}; looking again in a minute.`);
      await this.sleep(TRAIL_POLL_MS, this.main.signal);
    }
  }

  /**
   * Writes a kubeconfig of the run's own, with `lab kubeconfig`, for the cluster's access role:
   * the user's kubeconfig is left as it was.
   */
  private async writeKubeconfig(): Promise<string> {
    this.kubeconfigDir = mkdtempSync(join(tmpdir(), 'lab-e2e-'));
    const written = this.expectOk(await this.lab(['kubeconfig'], this.kubeEnv()), (json) => {
      const result = json as Partial<KubeconfigResult> | undefined;
      return `kubeconfig for ${result?.roleArn ?? 'the access role'}`;
    });
    return written;
  }

  /** Puts the file of remembered toggles back as it was before the run: the run's toggles were for its checks only. */
  private restoreContextFile(file: string, before: string | undefined): void {
    const now = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (now === before) return;
    if (before === undefined) rmSync(file, { force: true });
    else writeFileSync(file, before);
    this.log(`Put ${file} back as it was before the run: the toggles the run deployed are not remembered.`);
  }

  private kubeEnv(): Record<string, string> {
    return this.kubeconfigDir ? { KUBECONFIG: join(this.kubeconfigDir, 'kubeconfig') } : {};
  }

  // ---- what always runs -----------------------------------------------------------------------

  private async cleanupPhases(cloudFormation: CloudFormationClient): Promise<void> {
    this.inCleanup = true;
    if (this.options.keep) {
      this.skip('destroy', `--keep: the lab is still deployed; run \`npx cdk destroy --all\` when done`);
      this.skip('leftovers', '--keep');
      return;
    }
    if (this.deployStartedAt === undefined) {
      this.skip('destroy', 'nothing was deployed');
      this.skip('leftovers', 'nothing was deployed');
      return;
    }
    await this.phase('destroy', 'npx cdk destroy --all --force', false, async () => {
      // CloudFormation refuses to delete a stack while an update is in progress, which is how
      // an interrupted deploy leaves it: "Stack [...] cannot be deleted while in status
      // UPDATE_IN_PROGRESS" (aws-solutions-library-samples/guidance-for-clickstream-analytics-on-aws#573).
      try {
        await this.settle(cloudFormation);
      } catch (err) {
        // Not knowing is no reason to skip the destroy: it reports what it cannot delete.
        this.log(`  Could not check the stacks before destroying (${firstLine(err)}); destroying anyway.`);
      }
      await this.cdk(['destroy', '--all', '--force', '--output', this.options.assembly], this.cleanup.signal);
      this.destroyedAt = this.deps.clock.now();
      return 'cdk destroy --all finished';
    });
    await this.phase('leftovers', 'npm run lab -- leftovers', false, async () => {
      const result = await this.lab(['leftovers'], {}, this.cleanup.signal);
      this.leftovers = (result.json as { leftovers?: E2eReport['leftovers'] } | undefined)?.leftovers ?? [];
      return this.expectOk(result, () => (this.leftovers.length === 0 ? 'nothing left' : `${this.leftovers.length} thing(s) left`));
    });
  }

  /** Waits until no lab stack is in the middle of an operation. */
  private async settle(cloudFormation: CloudFormationClient): Promise<void> {
    const deadline = this.deps.clock.now() + (this.options.settleTimeoutMinutes ?? 60) * 60_000;
    for (;;) {
      const busy = (await describeLabStacks(cloudFormation)).filter(
        (s) => s.StackStatus?.endsWith('_IN_PROGRESS') && s.StackStatus !== StackStatus.REVIEW_IN_PROGRESS,
      );
      if (busy.length === 0 || this.deps.clock.now() >= deadline) return;
      this.log(`  Waiting for ${busy.map((s) => `${s.StackName} (${s.StackStatus})`).join(', ')} before destroying.`);
      await this.sleep(SETTLE_POLL_MS, this.cleanup.signal);
    }
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private onInterrupt(signal: string): void {
    if (this.inCleanup) {
      this.log(
        `${signal}: the lab is being destroyed, and stopping now could leave it running. Let it finish; if you must stop, run \`npx cdk destroy --all\` afterwards.`,
      );
      return;
    }
    if (this.interrupted) return;
    this.interrupted = signal;
    this.log(`${signal}: stopping${this.options.keep ? '' : ', then destroying what was deployed'}.`);
    this.main.abort();
  }

  /** Runs one phase, records it, and turns a failure of a blocking phase into `Blocking`. */
  private async phase(name: string, command: string, blocking: boolean, body: () => Promise<string>): Promise<void> {
    const inCleanup = this.inCleanup;
    if (!inCleanup && this.interrupted) {
      this.record({ name, command, status: PhaseStatus.SKIPPED, seconds: 0, detail: `not run: ${this.interrupted}` });
      throw new Blocking();
    }
    const start = this.deps.clock.now();
    this.log(`▶ ${name}: ${command}`);
    let status = PhaseStatus.PASSED;
    let detail: string;
    try {
      detail = await body();
    } catch (err) {
      status = !inCleanup && this.interrupted ? PhaseStatus.INTERRUPTED : PhaseStatus.FAILED;
      detail = status === PhaseStatus.INTERRUPTED ? `stopped by ${this.interrupted}` : firstLine(err);
    }
    const seconds = (this.deps.clock.now() - start) / 1000;
    this.record({ name, command, status, seconds, detail });
    this.log(`${status === PhaseStatus.PASSED ? '✓' : '✗'} ${name} (${formatDuration(seconds)}): ${detail}`);
    if (status !== PhaseStatus.PASSED && (blocking || status === PhaseStatus.INTERRUPTED)) throw new Blocking();
  }

  private record(phase: PhaseRecord): void {
    this.phases.push(phase);
  }

  private skip(name: string, detail: string): void {
    this.record({ name, status: PhaseStatus.SKIPPED, seconds: 0, detail });
    this.log(`- ${name}: ${detail}`);
  }

  private async cdk(args: string[], signal = this.main.signal): Promise<void> {
    const code = await this.deps.runner.cdk(args, { signal });
    if (code !== 0) throw new Error(`cdk ${args[0]} exited ${code}`);
  }

  private lab(args: string[], env: Record<string, string> = {}, signal = this.main.signal): Promise<LabRun> {
    return this.deps.runner.lab(args, { signal, env });
  }

  /** A lab command's result as a phase's detail line, or its failure. */
  private expectOk(result: LabRun, summary: (json: unknown) => string): string {
    if (result.code !== ExitCode.OK) {
      throw new Error(`${result.json ? summary(result.json) : (result.error ?? 'no output')} (exit ${result.code})`);
    }
    return summary(result.json);
  }

  /** Sleeps, but wakes up early when `signal` aborts. */
  private async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw new Error('aborted');
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      this.deps.clock.sleep(ms).then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, reject);
    });
  }

  private report(account: string): ExitCode {
    const finished = this.deps.clock.now();
    const deployedUntil = this.destroyedAt ?? finished;
    const deployedHours = this.deployStartedAt === undefined ? 0 : (deployedUntil - this.deployStartedAt) / 3_600_000;
    const destroyed = this.phases.some((p) => p.name === 'destroy' && p.status === PhaseStatus.PASSED);
    const ok = !this.interrupted && this.phases.every((p) => p.status === PhaseStatus.PASSED || p.status === PhaseStatus.SKIPPED);
    const report: E2eReport = {
      ok,
      account,
      region: REGION,
      startedAt: new Date(this.started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      seconds: (finished - this.started) / 1000,
      options: {
        skipToggles: Boolean(this.options.skipToggles),
        keep: Boolean(this.options.keep),
        reuse: Boolean(this.options.reuse),
        cleanupOnly: Boolean(this.options.cleanupOnly),
      },
      interrupted: this.interrupted,
      phases: this.phases,
      verdicts: this.verdicts,
      trail: this.trail,
      leftovers: this.leftovers,
      cost: {
        hourlyUsd: this.hourlyUsd,
        deployedHours,
        estimatedUsd: this.hourlyUsd === undefined ? undefined : this.hourlyUsd * deployedHours,
        priceTable: this.priceTable,
      },
      stillDeployed: this.deployStartedAt !== undefined && !destroyed,
    };
    const markdown = renderMarkdown(report);
    mkdirSync(this.options.reportDir, { recursive: true });
    writeFileSync(join(this.options.reportDir, 'report.md'), markdown);
    writeFileSync(join(this.options.reportDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (this.options.json) this.deps.terminal.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else this.deps.terminal.stdout.write(`\n${markdown}`);
    this.log(`Report: ${join(this.options.reportDir, 'report.md')} and report.json`);
    return ok ? ExitCode.OK : ExitCode.CHECK_FAILED;
  }
}

/** `N finding(s), M problem(s)` from `lab doctor --json`. */
function findingsSummary(json: unknown): string {
  const findings = (json as { findings?: { ok: boolean }[] } | undefined)?.findings ?? [];
  const failed = findings.filter((f) => !f.ok).length;
  return failed === 0 ? `no problems in ${findings.length} checks` : `${failed} problem(s) in ${findings.length} checks`;
}

/** The lab stacks that exist now, in any state but deleted. */
export async function describeLabStacks(cloudFormation: CloudFormationClient): Promise<Stack[]> {
  const found: Stack[] = [];
  for (const name of labStackNames()) {
    try {
      const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: name }));
      found.push(...Stacks.filter((s) => s.StackStatus !== StackStatus.DELETE_COMPLETE));
    } catch (err) {
      // DescribeStacks answers a ValidationError "Stack with id X does not exist" for a missing
      // stack (as quoted in SWO-GS/auto-tag#87); a deleted one is only found by its stack id.
      if ((err as { name?: string }).name === 'ValidationError' && /does not exist/.test(firstLine(err))) continue;
      throw err;
    }
  }
  return found;
}

/** The dependencies of a real run: child processes, this process's signals, the terminal's stdin. */
export async function processE2eDeps(deps: Pick<E2eDeps, 'terminal' | 'aws' | 'clock'>): Promise<E2eDeps> {
  const { createProcessRunner, PROCESS_INTERRUPTS, terminalConfirm } = await import('../private/e2e-runner');
  return {
    ...deps,
    runner: createProcessRunner({ cwd: join(__dirname, '..', '..', '..'), output: deps.terminal.stderr }),
    interrupts: PROCESS_INTERRUPTS,
    confirm: terminalConfirm(process.stdin, deps.terminal.stderr),
  };
}

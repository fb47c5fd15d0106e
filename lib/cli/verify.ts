import { V1Pod } from '@kubernetes/client-node';
import {
  ExpectedOutcome,
  LabToggles,
  Probe,
  ProbeCommand,
  SCENARIOS,
  Scenario,
  ScenarioId,
  expectedOutcome,
  scenario as scenarioById,
} from '../scenarios';
import { LabAssembly } from './assembly';
import { Clock } from './clock';
import { ExitCode, LabError, firstLine } from './errors';
import { LabKube } from './kube';
import { Output, mark } from './output';
import { ObservedCaller, callerFromExec } from './private/caller';

/** The command run in a scenario's sleep pod to see who AWS thinks it is. */
export const CALLER_IDENTITY_COMMAND = ['aws', 'sts', 'get-caller-identity', '--output', 'json'];

/** How many log lines `verify` shows per pod. */
const LOG_LINES = 5;

export interface VerifyOptions {
  /** The cloud assembly the toggles are read from. */
  readonly assembly: string;
  /**
   * The scenarios to verify.
   * @default - every scenario that is deployed
   */
  readonly scenarios?: readonly ScenarioId[];
  /**
   * How long to wait for the `s3 ls` pods to finish, in seconds.
   * @default 300
   */
  readonly timeoutSeconds?: number;
  /**
   * How often to look, in seconds.
   * @default 3
   */
  readonly pollSeconds?: number;
}

/** What one scenario showed. */
export interface ObservedOutcome {
  /** The `s3 ls` pod's phase, or `Pending`/`Running` if it had not finished when the wait ended. */
  readonly phase: string;
  readonly exitCode?: number;
  /** The last lines of the `s3 ls` pod's log. */
  readonly logTail: string[];
  /** The sleep pod's phase. */
  readonly sleepPodPhase?: string;
  /** The identity seen from the sleep pod. */
  readonly caller?: ObservedCaller;
}

/** One scenario's verdict. */
export interface ScenarioVerdict {
  readonly scenario: ScenarioId;
  readonly deployed: boolean;
  readonly expected: ExpectedOutcome;
  readonly observed?: ObservedOutcome;
  readonly checks: { readonly phase: boolean; readonly log: boolean; readonly caller?: boolean };
  readonly ok: boolean;
  /**
   * The scenario's other run-once pods, each against its own expectation.
   * @default - the scenario has no probes
   */
  readonly probes?: readonly ProbeVerdict[];
}

const DONE = new Set(['Succeeded', 'Failed']);

/** `lab verify`: compares what each deployed scenario shows with `expectedOutcome()`. */
export async function runVerify(options: VerifyOptions, deps: { kube: LabKube; out: Output; clock: Clock }): Promise<ExitCode> {
  const { kube, out } = deps;
  const toggles = LabAssembly.read(options.assembly).toggles();
  if (!toggles) {
    throw new LabError(
      `${options.assembly} has no ${scenarioById(ScenarioId.NODE_ROLE).stackName} stack, so the toggles are unknown. Run \`npx cdk synth --quiet\` with the -c options you deployed with.`,
    );
  }
  const explicit = options.scenarios !== undefined && options.scenarios.length > 0;
  const wanted = explicit ? options.scenarios!.map(scenarioById) : [...SCENARIOS];

  const deployed: Scenario[] = [];
  const missing: Scenario[] = [];
  for (const scenario of wanted) ((await kube.readPod(scenario.namespace, scenario.s3LsPod)) ? deployed : missing).push(scenario);
  if (deployed.length === 0) {
    throw new LabError(
      `None of ${wanted.map((s) => s.id).join(', ')} is deployed (no pod ${wanted.map((s) => `${s.namespace}/${s.s3LsPod}`).join(', ')}). Run \`npx cdk deploy --all\`, then retry.`,
      ExitCode.CHECK_FAILED,
    );
  }

  const pods = await waitForPods(deployed, options, deps);
  await waitForProbes(deployed, options, deps);
  const verdicts: ScenarioVerdict[] = [];
  for (const scenario of deployed) {
    verdicts.push(withProbes(await observe(scenario, toggles, pods.get(scenario.id)!, kube), await observeProbes(scenario, kube)));
  }
  for (const scenario of missing) {
    verdicts.push({
      scenario: scenario.id,
      deployed: false,
      expected: expectedOutcome(scenario.id, toggles),
      checks: { phase: false, log: false },
      ok: !explicit,
    });
  }

  const ok = verdicts.every((v) => v.ok);
  out.result({ toggles, scenarios: verdicts, ok });
  printVerdicts(out, toggles, verdicts);
  return ok ? ExitCode.OK : ExitCode.CHECK_FAILED;
}

interface ScenarioPods {
  readonly s3Ls?: V1Pod;
  readonly sleep?: V1Pod;
}

async function waitForPods(
  scenarios: Scenario[],
  options: VerifyOptions,
  deps: { kube: LabKube; out: Output; clock: Clock },
): Promise<Map<ScenarioId, ScenarioPods>> {
  const { kube, out, clock } = deps;
  const deadline = clock.now() + (options.timeoutSeconds ?? 300) * 1000;
  const progress = out.progress(`Waiting for the s3 ls pods of ${scenarios.map((s) => s.id).join(', ')} to finish`);
  for (;;) {
    const pods = new Map<ScenarioId, ScenarioPods>();
    for (const scenario of scenarios) {
      pods.set(scenario.id, {
        s3Ls: await kube.readPod(scenario.namespace, scenario.s3LsPod),
        sleep: scenario.sleepPod ? await kube.readPod(scenario.namespace, scenario.sleepPod) : undefined,
      });
    }
    const pending = scenarios.filter((scenario) => {
      const { s3Ls, sleep } = pods.get(scenario.id)!;
      return !DONE.has(phaseOf(s3Ls)) || (scenario.sleepPod !== undefined && phaseOf(sleep) === 'Pending');
    });
    if (pending.length === 0) {
      progress.succeed(`All ${scenarios.length} s3 ls pod(s) finished.`);
      return pods;
    }
    const remaining = Math.max(0, Math.round((deadline - clock.now()) / 1000));
    if (remaining <= 0) {
      progress.fail(
        `Timed out waiting for ${pending.map((s) => `${s.namespace}/${s.s3LsPod} (${phaseOf(pods.get(s.id)!.s3Ls)})`).join(', ')}.`,
      );
      return pods;
    }
    progress.update(
      `Waiting for ${pending.map((s) => `${s.namespace}/${s.s3LsPod} ${phaseOf(pods.get(s.id)!.s3Ls)}`).join(', ')} (${remaining}s left)`,
    );
    await clock.sleep((options.pollSeconds ?? 3) * 1000);
  }
}

function phaseOf(pod: V1Pod | undefined): string {
  return pod?.status?.phase ?? 'Missing';
}

async function observe(scenario: Scenario, toggles: LabToggles, pods: ScenarioPods, kube: LabKube): Promise<ScenarioVerdict> {
  const expected = expectedOutcome(scenario.id, toggles);
  const phase = phaseOf(pods.s3Ls);
  const exitCode = pods.s3Ls?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
  let logTail: string[] = [];
  if (phase !== 'Pending' && phase !== 'Missing') {
    try {
      logTail = (await kube.podLog(scenario.namespace, scenario.s3LsPod, LOG_LINES)).split('\n').filter((line) => line.trim() !== '');
    } catch (err) {
      logTail = [`(no log: ${firstLine(err)})`];
    }
  }
  let caller: ObservedCaller | undefined;
  const sleepPodPhase = scenario.sleepPod ? phaseOf(pods.sleep) : undefined;
  if (scenario.sleepPod) {
    if (sleepPodPhase === 'Running') {
      const container = pods.sleep?.spec?.containers?.[0]?.name ?? 'aws-cli';
      try {
        caller = callerFromExec(await kube.exec(scenario.namespace, scenario.sleepPod, container, CALLER_IDENTITY_COMMAND));
      } catch (err) {
        caller = { detail: `exec failed: ${firstLine(err)}` };
      }
    } else {
      caller = { detail: `sleep pod ${scenario.sleepPod} is ${sleepPodPhase}` };
    }
  }
  const checks = {
    phase: phase === expected.phase,
    log: expected.logSignature === undefined || logTail.some((line) => line.includes(expected.logSignature!)),
    // The bystander has no sleep pod: only its s3 ls pod is compared.
    caller: scenario.sleepPod ? caller?.kind === expected.caller : undefined,
  };
  const ok = checks.phase && checks.log && checks.caller !== false;
  return { scenario: scenario.id, deployed: true, expected, observed: { phase, exitCode, logTail, sleepPodPhase, caller }, checks, ok };
}

function printVerdicts(out: Output, toggles: LabToggles, verdicts: ScenarioVerdict[]): void {
  out.say(`Toggles from the cloud assembly: imds=${toggles.imds}, nodeRoleS3Access=${toggles.nodeRoleS3Access}`);
  for (const verdict of verdicts.filter((v) => v.observed)) {
    const scenario = scenarioById(verdict.scenario);
    const observed = verdict.observed!;
    out.say();
    out.say(`${scenario.id} (namespace ${scenario.namespace})`);
    out.say(`  ${scenario.s3LsPod}: ${observed.phase}${observed.exitCode !== undefined ? `, exit code ${observed.exitCode}` : ''}`);
    for (const line of observed.logTail) out.say(`    | ${line}`);
    if (scenario.sleepPod) {
      const caller = observed.caller;
      out.say(
        `  ${scenario.sleepPod}: ${observed.sleepPodPhase}; caller ${caller?.arn ?? caller?.detail ?? 'unknown'}${caller?.kind ? ` -> ${caller.kind}` : ''}`,
      );
    }
    printProbes(out, verdict.probes ?? []);
  }
  out.say();
  out.table(
    ['scenario', 'expected', 'observed', ''],
    verdicts.map((v) => [
      v.scenario,
      describeExpected(v.expected),
      describeObserved(v),
      v.deployed ? mark(v.ok) : v.ok ? '-' : mark(false),
    ]),
  );
  for (const v of verdicts) {
    if (!v.deployed) out.say(`${v.ok ? '-' : mark(false)} ${v.scenario}: not deployed.`);
    else out.say(`${mark(v.ok)} ${v.scenario}: ${v.expected.why}`);
    for (const probe of v.probes ?? []) out.say(`${mark(probe.ok)} ${v.scenario}/${probe.pod}: ${probe.expected.why}`);
  }
  if (verdicts.some((v) => v.deployed && !v.ok)) {
    out.say(
      'A finished pod keeps the outcome of the toggles it ran under. After changing a toggle, run `npm run lab -- rerun <scenario>`, then verify again.',
    );
  }
}

/** Table cells stay narrow; the full log lines are printed above the table. */
function short(text: string, width = 48): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

function describeExpected(expected: ExpectedOutcome): string {
  return [expected.phase, expected.logSignature ? `log: ${short(expected.logSignature)}` : undefined, `caller: ${expected.caller}`]
    .filter(Boolean)
    .join('\n');
}

function describeObserved(verdict: ScenarioVerdict): string {
  const observed = verdict.observed;
  if (!observed) return 'not deployed';
  const lastLine = observed.logTail[observed.logTail.length - 1];
  const caller =
    observed.caller === undefined ? 'caller: (no sleep pod)' : `caller: ${observed.caller.kind ?? observed.caller.detail ?? 'unknown'}`;
  return [
    `${observed.phase}${observed.exitCode !== undefined ? ` (exit ${observed.exitCode})` : ''}`,
    lastLine ? `log: ${short(lastLine)}` : 'log: (empty)',
    caller,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Probes: the further run-once pods of a scenario, each with its own command and expectation.
// ---------------------------------------------------------------------------------------------

/** What one probe pod showed, against its own expectation. */
export interface ProbeVerdict {
  readonly pod: string;
  /** The command it ran. */
  readonly command: string;
  readonly expected: ExpectedOutcome;
  readonly observed: {
    readonly phase: string;
    readonly exitCode?: number;
    readonly logTail: string[];
    /** Who AWS saw, when the probe asked (`sts get-caller-identity`). */
    readonly caller?: ObservedCaller;
  };
  /** `caller` is compared only for a probe that prints the caller. */
  readonly checks: { readonly phase: boolean; readonly log: boolean; readonly caller?: boolean };
  readonly ok: boolean;
}

/** How many log lines a caller probe's JSON may take. */
const CALLER_LOG_LINES = 50;

/** The probes `verify` reads on top of the s3 ls pod, which the scenario's own row already checks. */
function otherProbes(scenario: Scenario): Probe[] {
  return (scenario.probes ?? []).filter((probe) => probe.pod !== scenario.s3LsPod);
}

/** Waits until every other probe pod has finished, or the timeout has passed. */
async function waitForProbes(
  scenarios: Scenario[],
  options: VerifyOptions,
  deps: { kube: LabKube; out: Output; clock: Clock },
): Promise<void> {
  const { kube, clock } = deps;
  const wanted = scenarios.flatMap((scenario) => otherProbes(scenario).map((probe) => ({ namespace: scenario.namespace, pod: probe.pod })));
  if (wanted.length === 0) return;
  const deadline = clock.now() + (options.timeoutSeconds ?? 300) * 1000;
  for (;;) {
    const pending: string[] = [];
    for (const { namespace, pod } of wanted) {
      const phase = phaseOf(await kube.readPod(namespace, pod));
      // A missing probe will not appear by waiting: it is reported, not awaited.
      if (!DONE.has(phase) && phase !== 'Missing') pending.push(`${namespace}/${pod} ${phase}`);
    }
    if (pending.length === 0 || clock.now() >= deadline) return;
    await clock.sleep((options.pollSeconds ?? 3) * 1000);
  }
}

async function observeProbes(scenario: Scenario, kube: LabKube): Promise<ProbeVerdict[]> {
  const verdicts: ProbeVerdict[] = [];
  for (const probe of otherProbes(scenario)) verdicts.push(await observeProbe(scenario.namespace, probe, kube));
  return verdicts;
}

async function observeProbe(namespace: string, probe: Probe, kube: LabKube): Promise<ProbeVerdict> {
  const { expected } = probe;
  const pod = await kube.readPod(namespace, probe.pod);
  const phase = phaseOf(pod);
  const exitCode = pod?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
  const printsCaller = probe.command === ProbeCommand.CALLER_IDENTITY;
  let log = '';
  if (phase !== 'Pending' && phase !== 'Missing') {
    try {
      log = await kube.podLog(namespace, probe.pod, printsCaller ? CALLER_LOG_LINES : LOG_LINES);
    } catch (err) {
      log = `(no log: ${firstLine(err)})`;
    }
  }
  const logTail = log.split('\n').filter((line) => line.trim() !== '');
  // The pod's own output names its caller: the same JSON the sleep pods' exec returns.
  const caller = printsCaller && DONE.has(phase) ? callerFromExec({ stdout: log, stderr: '', exitCode }) : undefined;
  const checks = {
    phase: phase === expected.phase,
    log: expected.logSignature === undefined || logTail.some((line) => line.includes(expected.logSignature!)),
    caller: printsCaller ? caller?.kind === expected.caller : undefined,
  };
  return {
    pod: probe.pod,
    command: probe.command.toString(),
    expected,
    observed: { phase, exitCode, logTail: printsCaller ? logTail : logTail.slice(-LOG_LINES), caller },
    checks,
    ok: checks.phase && checks.log && checks.caller !== false,
  };
}

function withProbes(verdict: ScenarioVerdict, probes: ProbeVerdict[]): ScenarioVerdict {
  if (probes.length === 0) return verdict;
  return { ...verdict, probes, ok: verdict.ok && probes.every((probe) => probe.ok) };
}

function printProbes(out: Output, probes: readonly ProbeVerdict[]): void {
  for (const probe of probes) {
    const { observed, expected } = probe;
    out.say(
      `  ${mark(probe.ok)} ${probe.pod} (${probe.command}): ${observed.phase}${observed.exitCode !== undefined ? `, exit code ${observed.exitCode}` : ''}; expected ${expected.phase}`,
    );
    if (observed.caller) {
      out.say(
        `    caller ${observed.caller.arn ?? observed.caller.detail ?? 'unknown'}${observed.caller.kind ? ` -> ${observed.caller.kind}` : ''}`,
      );
    } else {
      for (const line of observed.logTail) out.say(`    | ${line}`);
    }
  }
}

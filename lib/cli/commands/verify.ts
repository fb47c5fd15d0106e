import { V1Pod } from '@kubernetes/client-node';
import {
  CallerKind,
  ExpectedOutcome,
  LabToggles,
  Probe,
  ProbeCommand,
  SCENARIOS,
  Scenario,
  ScenarioId,
  expectedOutcome,
  scenario as scenarioById,
} from '../../scenarios';
import { Drill } from '../../lab-config';
import { LabAssembly, RecordedDrill } from '../assembly';
import { Clock } from '../clock';
import { ExitCode, LabError, firstLine } from '../errors';
import { LabKube } from '../kube';
import { Output, mark } from '../output';
import { ObservedCaller, callerFromExec } from '../private/caller';
import { printDrill } from '../private/verify-drill';

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
  /**
   * Why the log could not be read.
   * @default - it was read
   */
  readonly logError?: string;
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
  /** Each comparison; `caller` is absent for a scenario without a sleep pod. */
  readonly checks: { readonly phase: boolean; readonly exitCode: boolean; readonly log: boolean; readonly caller?: boolean };
  /** One sentence per failed check, naming what was expected and what was seen. */
  readonly reasons: string[];
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
  const assembly = LabAssembly.read(options.assembly);
  const toggles = assembly.toggles();
  // A drill deployed on purpose changes what its scenario should show; the stack it changes records it.
  const drill = assembly.drill();
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
    verdicts.push(
      withProbes(await observe(scenario, toggles, drill?.drill, pods.get(scenario.id)!, kube), await observeProbes(scenario, kube)),
    );
  }
  for (const scenario of missing) {
    verdicts.push({
      scenario: scenario.id,
      deployed: false,
      expected: expectedOutcome(scenario.id, toggles, drill?.drill),
      checks: { phase: false, exitCode: false, log: false },
      reasons: [
        `not deployed: no pod ${scenario.namespace}/${scenario.s3LsPod}${explicit ? `; deploy ${scenario.stackName} or leave ${scenario.id} out` : ''}`,
      ],
      ok: !explicit,
    });
  }

  const ok = verdicts.every((v) => v.ok);
  out.result({ toggles, drill: drill?.drill ?? null, scenarios: verdicts, ok });
  printVerdicts(out, toggles, verdicts, drill);
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

async function observe(
  scenario: Scenario,
  toggles: LabToggles,
  drill: Drill | undefined,
  pods: ScenarioPods,
  kube: LabKube,
): Promise<ScenarioVerdict> {
  const expected = expectedOutcome(scenario.id, toggles, drill);
  const phase = phaseOf(pods.s3Ls);
  const exitCode = pods.s3Ls?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
  let logTail: string[] = [];
  let logError: string | undefined;
  if (phase !== 'Pending' && phase !== 'Missing') {
    try {
      logTail = (await kube.podLog(scenario.namespace, scenario.s3LsPod, LOG_LINES)).split('\n').filter((line) => line.trim() !== '');
    } catch (err) {
      logError = firstLine(err);
    }
  } else {
    logError = `the pod is ${phase}`;
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
  const observed: ObservedOutcome = { phase, exitCode, logTail, logError, sleepPodPhase, caller };
  const { checks, reasons } = compare(scenario, expected, observed);
  const ok = checks.phase && checks.exitCode && checks.log && checks.caller !== false;
  return { scenario: scenario.id, deployed: true, expected, observed, checks, reasons, ok };
}

/** Compares one observation with the table, one check at a time, each with its own reason. */
export function compare(
  scenario: Scenario,
  expected: ExpectedOutcome,
  observed: ObservedOutcome,
): { checks: ScenarioVerdict['checks']; reasons: string[] } {
  const reasons: string[] = [];
  const phase = observed.phase === expected.phase;
  if (!phase) reasons.push(`phase: expected ${expected.phase}, saw ${observed.phase}`);
  const exitCode = observed.exitCode === expected.exitCode;
  if (!exitCode) reasons.push(`exit code: expected ${expected.exitCode}, saw ${observed.exitCode ?? 'none'}`);
  let log: boolean;
  if (observed.logError !== undefined) {
    log = false;
    reasons.push(`log: could not be read (${observed.logError})`);
  } else if (expected.logSignature !== undefined) {
    log = observed.logTail.some((line) => line.includes(expected.logSignature!));
    if (!log) reasons.push(`log: expected a line with "${expected.logSignature}", saw ${lastLineOf(observed)}`);
  } else {
    log = true;
  }
  // The bystander has no sleep pod: only its s3 ls pod is compared.
  let caller: boolean | undefined;
  if (scenario.sleepPod) {
    caller = observed.caller?.kind === expected.caller;
    if (!caller) {
      const seen = observed.caller?.kind
        ? `${observed.caller.kind} (${observed.caller.arn ?? observed.caller.detail ?? 'no ARN'})`
        : (observed.caller?.detail ?? 'nothing');
      reasons.push(`caller: expected ${expected.caller}, saw ${seen}${callerHint(scenario, observed.caller?.kind)}`);
    }
  }
  return { checks: { phase, exitCode, log, caller }, reasons };
}

/** What a wrong caller usually means, for the two mistakes users meet most. */
function callerHint(scenario: Scenario, seen: CallerKind | undefined): string {
  if (scenario.id === ScenarioId.PRECEDENCE && seen === CallerKind.WEB_IDENTITY_ROLE)
    return ': the IRSA role won, so the pod was created before its association took effect; with both in place the webhook gives Pod Identity precedence';
  if (seen !== CallerKind.NODE_ROLE) return '';
  if (scenario.id === ScenarioId.IRSA)
    return ': the webhook never mutated the pod (created before its annotated service account), so the SDK fell back to IMDS';
  if (scenario.id === ScenarioId.POD_IDENTITY)
    return ': the pod got no container credentials (created before its association took effect), so the SDK fell back to IMDS';
  return '';
}

function lastLineOf(observed: ObservedOutcome): string {
  const last = observed.logTail[observed.logTail.length - 1];
  return last === undefined ? 'an empty log' : `"${short(last, 80)}"`;
}

function printVerdicts(out: Output, toggles: LabToggles, verdicts: ScenarioVerdict[], drill: RecordedDrill | undefined): void {
  out.say(`Toggles from the cloud assembly: imds=${toggles.imds}, nodeRoleS3Access=${toggles.nodeRoleS3Access}`);
  printDrill(out, drill);
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
    if (v.deployed || !v.ok) for (const reason of v.reasons) out.say(`    ${reason}`);
    for (const probe of v.probes ?? []) out.say(`${mark(probe.ok)} ${v.scenario}/${probe.pod}: ${probe.expected.why}`);
  }
  if (verdicts.some((v) => v.deployed && !v.ok)) {
    out.say(
      'A finished pod keeps the outcome it had. Deploying with a toggle changed runs every pod again; to run one again without deploying, use `npm run lab -- rerun <scenario>`, then verify again.',
    );
  }
}

/** Table cells stay narrow; the full log lines are printed above the table. */
function short(text: string, width = 48): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

function describeExpected(expected: ExpectedOutcome): string {
  return [
    `${expected.phase} (exit ${expected.exitCode})`,
    expected.logSignature ? `log: ${short(expected.logSignature)}` : undefined,
    `caller: ${expected.caller}`,
  ]
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
    observed.logError ? `log: (unreadable)` : lastLine ? `log: ${short(lastLine)}` : 'log: (empty)',
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

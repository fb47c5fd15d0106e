import { V1Pod } from '@kubernetes/client-node';
import { Scenario, ScenarioId, scenario as scenarioById } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { Clock } from '../clock';
import { ExitCode, LabError } from '../errors';
import { LabKube } from '../kube';
import { Output } from '../output';

export interface RerunOptions {
  readonly scenario: ScenarioId;
  /**
   * Which of the scenario's run-once pods to run again.
   * @default - the scenario's `s3 ls` pod
   */
  readonly pod?: string;
  /** The cloud assembly to take the pod from when it no longer exists. */
  readonly assembly: string;
  /**
   * How long to wait for the old pod to go, in seconds.
   * @default 120
   */
  readonly timeoutSeconds?: number;
  /**
   * How often to look, in seconds.
   * @default 2
   */
  readonly pollSeconds?: number;
}

/**
 * The pod as it can be created again: what the API server assigned (status,
 * uid, resourceVersion, the node it was bound to) is dropped.
 */
export function recreatable(pod: V1Pod): V1Pod {
  const { status: _status, ...rest } = pod;
  const {
    resourceVersion: _rv,
    uid: _uid,
    creationTimestamp: _created,
    managedFields: _fields,
    generation: _gen,
    ...metadata
  } = pod.metadata ?? {};
  const { nodeName: _node, ...spec } = pod.spec ?? { containers: [] };
  return { ...rest, metadata, spec };
}

/**
 * `lab rerun`: a `restartPolicy: Never` pod cannot run again, so the `s3 ls`
 * pod is read, deleted and created anew. This shows a toggle's effect (IMDS,
 * node role permissions) without redeploying the scenario.
 */
export async function runRerun(options: RerunOptions, deps: { kube: LabKube; out: Output; clock: Clock }): Promise<ExitCode> {
  const { kube, out, clock } = deps;
  const scenario = scenarioById(options.scenario);
  const { namespace } = scenario;
  const name = runOncePod(scenario, options.pod);
  const pod = await kube.readPod(namespace, name);
  if (!pod) {
    // A replaced node takes bare pods with it, and nothing creates them again: take it from the assembly.
    const created = await kube.createPod(namespace, podFromAssembly(options.assembly, scenario, name));
    out.say(`${namespace}/${name} did not exist: created it from the cloud assembly.`);
    return recreated(scenario, name, created.metadata?.uid, out);
  }
  const progress = out.progress(`Deleting ${namespace}/${name}`);
  await kube.deletePod(namespace, name);
  const deadline = clock.now() + (options.timeoutSeconds ?? 120) * 1000;
  while (await kube.readPod(namespace, name)) {
    if (clock.now() >= deadline) {
      progress.fail(`${namespace}/${name} is still terminating.`);
      throw new LabError(
        `Pod ${namespace}/${name} was not gone after ${options.timeoutSeconds ?? 120}s. Check \`kubectl -n ${namespace} get pod ${name}\`, then retry.`,
        ExitCode.CHECK_FAILED,
      );
    }
    progress.update(`Waiting for ${namespace}/${name} to be gone`);
    await clock.sleep((options.pollSeconds ?? 2) * 1000);
  }
  const created = await kube.createPod(namespace, recreatable(pod));
  progress.succeed(`Recreated ${namespace}/${name}.`);
  return recreated(scenario, name, created.metadata?.uid, out);
}

/** The pod to run again: the `s3 ls` pod, or one of the scenario's probes. */
function runOncePod(scenario: Scenario, requested: string | undefined): string {
  const names = scenario.probes ? scenario.probes.map((probe) => probe.pod) : [scenario.s3LsPod];
  if (requested === undefined) return scenario.s3LsPod;
  if (!names.includes(requested)) {
    throw new LabError(`Scenario ${scenario.id} runs no pod ${requested} once. Use --pod with one of: ${names.join(', ')}.`);
  }
  return requested;
}

function recreated(scenario: Scenario, name: string, uid: string | undefined, out: Output): ExitCode {
  const command = scenario.probes?.find((probe) => probe.pod === name)?.command.toString() ?? 'aws s3 ls';
  out.result({ scenario: scenario.id, namespace: scenario.namespace, pod: name, recreated: true, uid });
  out.say(`It runs \`${command}\` once more. See the outcome with \`npm run lab -- verify ${scenario.id}\`.`);
  return ExitCode.OK;
}

/** A run-once pod as the scenario's stack creates it, from the synthesized template. */
function podFromAssembly(dir: string, scenario: Scenario, name: string): V1Pod {
  const { namespace, stackName } = scenario;
  const stack = LabAssembly.read(dir).stack(stackName);
  const pod = stack
    ?.manifests()
    .flatMap((m) => m.objects)
    .find((o) => o.kind === 'Pod' && o.metadata?.name === name && o.metadata?.namespace === namespace);
  if (!pod) {
    throw new LabError(
      `Pod ${namespace}/${name} does not exist, and ${stack ? `${stackName} in ${dir} does not create it` : `${dir} has no ${stackName}`}. ` +
        `Synthesize with the options you deployed with (\`npx cdk synth --quiet\`), or deploy ${stackName} (\`npx cdk deploy ${stackName}\`).`,
      ExitCode.CHECK_FAILED,
    );
  }
  // A value only CloudFormation knows, such as a bucket's generated name, reads as ${LogicalId} offline.
  const unresolved = /\$\{[^}]+\}/.exec(JSON.stringify(pod));
  if (unresolved) {
    throw new LabError(
      `Pod ${namespace}/${name} does not exist, and its manifest in ${dir} holds ${unresolved[0]}, which only CloudFormation knows. ` +
        `Create it again by deploying ${stackName} with a changed toggle, or restore it with kubectl.`,
      ExitCode.CHECK_FAILED,
    );
  }
  return pod as V1Pod;
}

import { KubeConfig } from '@kubernetes/client-node';
import { LabKube } from '../../lib/cli/kube';
import { runRerun } from '../../lib/cli/commands/rerun';
import { ScenarioId } from '../../lib/scenarios';
import { CapturedTerminal, fakeClock } from '../cli/support/output';
import { KubeObject } from '../cluster-handlers/fake-cluster';
import { HandlerTools } from '../cluster-handlers/run-handler';
import { synthesizedLab } from '../util';
import { AssemblyStack, CdkCli, readAssembly } from './cdk-cli';
import { CloudFormation, StackStatus } from './cloudformation';
import { LabCloud } from './lab-cloud';

/** The account the replay deploys into: a fixed dummy, as the tests never see a real one. */
const ACCOUNT = '123456789012';

/** What the webhook injected into a pod, told by the variables it adds. */
export enum Injected {
  POD_IDENTITY = 'pod-identity',
  IRSA = 'irsa',
  NOTHING = 'nothing',
}

/** A pod as a user would list it after a step. */
export interface PodView {
  readonly pod: string;
  readonly uid: string;
  readonly phase: string;
  readonly injected: Injected;
  /** Why it is not running, when the scheduler says. */
  readonly waiting?: string;
}

/** Where a step of a flow left the user. */
export interface StepOutcome {
  readonly command: string;
  /** The failure `cdk` or `lab` reports, if any: stack, status, resource and reason. */
  readonly failure?: string;
  /** Every lab pod (the add-ons' and agents' pods left out), by `namespace/name`. */
  readonly pods: Record<string, PodView>;
  /** Lab pods created during the step (new or created again), by `namespace/name`. */
  readonly created: string[];
  /** Lab pods that existed before the step and no longer do. */
  readonly gone: string[];
  /** Each lab stack's status after the step; absent when it does not exist. */
  readonly stacks: Record<string, StackStatus>;
}

/**
 * The lab replayed offline: the synthesized templates of each context deployed and destroyed by
 * the replayed CDK CLI and CloudFormation, the lab's handlers run for real, the cluster faked.
 * Each step returns where it left the user.
 */
export class LabReplay {
  readonly cloudFormation: CloudFormation;
  private readonly cdk: CdkCli;
  private constructor(
    private readonly tools: HandlerTools,
    readonly cloud: LabCloud,
  ) {
    // The cluster moves on while CloudFormation works, its webhook's view of associations included.
    this.cloudFormation = new CloudFormation(cloud.handle, { account: ACCOUNT, region: 'us-east-2' }, (ticks) =>
      cloud.cluster.advance(ticks),
    );
    this.cdk = new CdkCli(this.cloudFormation);
  }

  static async start(options: { extraDaemonSets?: string[] } = {}): Promise<LabReplay> {
    const tools = await HandlerTools.install();
    return new LabReplay(tools, await LabCloud.start(tools, { account: ACCOUNT, ...options }));
  }

  async stop(): Promise<void> {
    await this.cloud.stop();
    this.tools.remove();
  }

  /** `npx cdk deploy [STACKS | --all] [-c key=value ...] [--concurrency N]`. */
  async deploy(context: Record<string, string> = {}, options: { stacks?: string[]; concurrency?: number } = {}): Promise<StepOutcome> {
    const { stacks } = await assembly(context);
    return this.step(async () => {
      const run = await this.cdk.deploy(stacks, options);
      return { command: `npx ${run.command}${contextArgs(context)}`, failure: run.failure?.message };
    });
  }

  /** `npx cdk destroy [STACKS | --all]`. */
  async destroy(options: { stacks?: string[] } = {}): Promise<StepOutcome> {
    const { stacks } = await assembly({});
    return this.step(async () => {
      const run = await this.cdk.destroy(stacks, options);
      return { command: `npx ${run.command}`, failure: run.failure?.message };
    });
  }

  /** `npm run lab -- rerun <scenario>`, with the assembly of `context`. */
  async rerun(scenario: ScenarioId, context: Record<string, string> = {}): Promise<StepOutcome> {
    const { directory } = await assembly(context);
    return this.step(async () => {
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromOptions({
        clusters: [{ name: 'lab', server: this.cloud.api.url, skipTLSVerify: true }],
        users: [{ name: 'lab', token: 'replay' }],
        contexts: [{ name: 'lab', cluster: 'lab', user: 'lab' }],
        currentContext: 'lab',
      });
      const terminal = new CapturedTerminal();
      try {
        await runRerun({ scenario, assembly: directory }, { kube: new LabKube(kubeConfig), out: terminal.output(), clock: fakeClock() });
        return { command: `npm run lab -- rerun ${scenario}` };
      } catch (err) {
        return { command: `npm run lab -- rerun ${scenario}`, failure: (err as Error).message };
      }
    });
  }

  /** Lets the cluster run until nothing changes: pods started, finished, deletions done. */
  settle(): void {
    this.cloud.cluster.settle();
  }

  /** The pods and service accounts as `kubectl get <kind> -A -o json` prints them. */
  snapshot(): { pods: KubeObject; serviceaccounts: KubeObject } {
    return { pods: this.cloud.kubectlGet('pods'), serviceaccounts: this.cloud.kubectlGet('serviceaccounts') };
  }

  private async step(body: () => Promise<{ command: string; failure?: string }>): Promise<StepOutcome> {
    const before = labPods(this.cloud.kubectlGet('pods'), this.cloud.systemNamespaces);
    const { command, failure } = await body();
    // The user looks after the deploy has returned, a while later: the cluster has moved on.
    this.settle();
    const pods = labPods(this.cloud.kubectlGet('pods'), this.cloud.systemNamespaces);
    const stacks = Object.fromEntries(
      this.cloudFormation.stackNames().map((name) => [name, this.cloudFormation.status(name)!] as const),
    ) as Record<string, StackStatus>;
    return {
      command,
      failure,
      pods,
      created: Object.keys(pods).filter((key) => before[key]?.uid !== pods[key].uid),
      gone: Object.keys(before).filter((key) => !(key in pods)),
      stacks,
    };
  }
}

function labPods(list: KubeObject, systemNamespaces: ReadonlySet<string>): Record<string, PodView> {
  const views: Record<string, PodView> = {};
  for (const pod of list.items as KubeObject[]) {
    if (systemNamespaces.has(pod.metadata.namespace)) continue;
    const env = new Set((pod.spec.containers as KubeObject[]).flatMap((c) => (c.env ?? []).map((e: KubeObject) => e.name)));
    const waiting = (pod.status.conditions ?? []).find((c: KubeObject) => c.status === 'False')?.message;
    views[`${pod.metadata.namespace}/${pod.metadata.name}`] = {
      pod: pod.metadata.name,
      uid: pod.metadata.uid,
      phase: pod.status.phase,
      injected: env.has('AWS_CONTAINER_CREDENTIALS_FULL_URI')
        ? Injected.POD_IDENTITY
        : env.has('AWS_ROLE_ARN')
          ? Injected.IRSA
          : Injected.NOTHING,
      ...(waiting && { waiting }),
    };
  }
  return views;
}

function contextArgs(context: Record<string, string>): string {
  return Object.entries(context)
    .map(([key, value]) => ` -c ${key}=${value}`)
    .join('');
}

const assemblies = new Map<string, Promise<{ directory: string; stacks: AssemblyStack[] }>>();

/** The lab synthesized with cdk.json plus `context`, once per test run and context (shared through test/util.ts). */
export function assembly(context: Record<string, string>): Promise<{ directory: string; stacks: AssemblyStack[] }> {
  const key = JSON.stringify(Object.entries(context).sort());
  if (!assemblies.has(key)) {
    assemblies.set(
      key,
      synthesizedLab({ context, noAccount: true }).then(({ directory }) => ({ directory, stacks: readAssembly(directory) })),
    );
  }
  return assemblies.get(key)!;
}

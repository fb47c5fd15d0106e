import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { E2eDeps, E2eRunner, InterruptSource, LabRun, RunOptions } from '../../../lib/cli/commands/e2e';
import type { TrailEvent } from '../../../lib/cli/commands/trail';
import { ImdsMode } from '../../../lib/lab-config';
import { TOGGLES_METADATA_KEY } from '../../../lib/lab-names';
import { rememberToggles } from '../../../lib/remembered-toggles';
import { LabToggles, SCENARIOS, ScenarioId, expectedOutcome } from '../../../lib/scenarios';
import { mockedAws } from './aws';
import { CapturedTerminal, fakeClock } from './output';

const ACCOUNT = '123456789012';
const ACCESS_ROLE = `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-eksoidcdemoAccessRoleCA6D9427-AbCdEf123456`;
const DEFAULTS: LabToggles = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };

/** How long each fake command takes on the fake clock, so durations and cost have something to measure. */
const MINUTES: Record<string, number> = { 'cdk deploy': 20, 'cdk destroy': 15, 'lab verify': 2, 'lab trail': 0.5 };

/** A call the fake received, as `tool subcommand args…`. */
export type Call = string;

/**
 * The CDK CLI, the lab CLI and the AWS CLI, faked: each call is recorded, the cloud assembly
 * is written where `cdk --output` says, and the "account" (CloudFormation through
 * aws-sdk-client-mock) has the lab's stacks exactly while the fake has deployed them.
 */
export class FakeLab implements E2eRunner {
  readonly calls: Call[] = [];
  readonly envs: Record<string, Readonly<Record<string, string>> | undefined> = {};
  readonly terminal = new CapturedTerminal();
  readonly clock = fakeClock();
  /** The AWS account, as aws-sdk-client-mock clients. */
  readonly account = mockedAws();
  readonly interrupts = new FakeInterrupts();
  /** Stacks that exist before the run. */
  existingStacks: string[] = [];
  /** How many DescribeStacks answers still say UPDATE_IN_PROGRESS, as after an interrupted deploy. */
  busyPolls = 0;
  deployed = false;
  /** Makes DescribeStacks fail from now on, as it would without permission. */
  denyDescribe = false;
  toggles: LabToggles = DEFAULTS;
  /** Extra stacks `cdk synth` writes, e.g. the CI access stack. */
  extraStacks: string[] = [];
  /** Exit codes for the calls that contain a key, e.g. `{ 'cdk deploy': 1 }`. */
  failures: Record<string, number> = {};
  /** Scenarios `lab verify` reports as not holding, as `<imds>/<nodeRoleS3Access>/<scenario>`. */
  verifyFailures = new Set<string>();
  /** What `lab trail` returns on each call; the last entry repeats. */
  trailAnswers: TrailEvent[][] = [matchingTrail()];
  leftovers: { kind: string; id: string; detail: string }[] = [];
  /** Runs before a call is answered; return 'block' to hang until the run aborts it. */
  onCall: (call: Call) => 'block' | void = () => undefined;
  confirmAnswer = true;
  readonly questions: string[] = [];
  /** Where `cdk deploy` remembers the toggles given with -c, as the lab's app does; unset, nothing is remembered. */
  contextFile?: string;

  constructor() {
    this.account.mocks.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/e2e/test` });
    this.account.mocks.cloudFormation.on(DescribeStacksCommand).callsFake((input: { StackName: string }) => this.describe(input.StackName));
  }

  /** The dependencies `runE2e` gets. */
  deps(): E2eDeps {
    return {
      terminal: this.terminal,
      runner: this,
      aws: async () => this.account.clients,
      clock: this.clock,
      interrupts: this.interrupts,
      confirm: async (question) => {
        this.questions.push(question);
        return this.confirmAnswer;
      },
    };
  }

  /** The calls, each cut to its tool and subcommand: `cdk deploy`, `lab verify`, `aws --version`. */
  get kinds(): string[] {
    return this.calls.map((call) => call.split(' ').slice(0, 2).join(' '));
  }

  cdk(args: readonly string[], options: RunOptions): Promise<number> {
    return this.answer(`cdk ${args.join(' ')}`, options, () => {
      const output = args[args.indexOf('--output') + 1];
      if (args[0] === 'synth') this.writeAssembly(output, DEFAULTS);
      if (args[0] === 'deploy') {
        if (this.contextFile) rememberToggles(contextFrom(args), this.contextFile);
        this.toggles = togglesFrom(args);
        this.writeAssembly(output, this.toggles);
        this.deployed = true;
      }
      if (args[0] === 'destroy') {
        this.deployed = false;
        this.existingStacks = [];
      }
      return 0;
    });
  }

  aws(args: readonly string[], options: RunOptions): Promise<number> {
    return this.answer(`aws ${args.join(' ')}`, options, () => 0);
  }

  async lab(args: readonly string[], options: RunOptions): Promise<LabRun> {
    let json: unknown;
    const code = await this.answer(`lab ${args.join(' ')}`, options, () => {
      json = this.labJson(args, options);
      return (json as { ok?: boolean }).ok === false ? 1 : 0;
    });
    return { code, json: code === 130 ? undefined : json, error: code === 0 ? undefined : `lab ${args[0]} failed` };
  }

  private labJson(args: readonly string[], options: RunOptions): unknown {
    switch (args[0]) {
      case 'kubeconfig':
        // What `lab kubeconfig --json` prints (lib/cli/commands/kubeconfig.ts), for the file KUBECONFIG names.
        return {
          path: options.env?.KUBECONFIG,
          context: `arn:aws:eks:us-east-2:${ACCOUNT}:cluster/eks-oidc-demo`,
          server: 'https://0123456789ABCDEF0123456789ABCDEF.gr7.us-east-2.eks.amazonaws.com',
          roleArn: ACCESS_ROLE,
          updated: false,
        };
      case 'cost':
        return { hourly: 0.1259, priceTable: { source: 'AWS list prices, US East (Ohio)', asOf: '2026-11-01' }, ok: true };
      case 'doctor':
        return { findings: [{ ok: true }, { ok: true }], ok: true };
      case 'verify': {
        const scenarios = SCENARIOS.map((s) => {
          const expected = expectedOutcome(s.id, this.toggles);
          const ok = !this.verifyFailures.has(`${this.toggles.imds}/${this.toggles.nodeRoleS3Access}/${s.id}`);
          const phase = ok ? expected.phase : 'Pending';
          return {
            scenario: s.id,
            deployed: true,
            expected,
            observed: { phase, logTail: [], caller: s.sleepPod ? { kind: expected.caller } : undefined },
            checks: { phase: ok, log: true },
            ok,
          };
        });
        return { toggles: this.toggles, scenarios, ok: scenarios.every((s) => s.ok) };
      }
      case 'trail': {
        const events = this.trailAnswers.length > 1 ? this.trailAnswers.shift()! : this.trailAnswers[0];
        return { region: 'us-east-2', events, ok: events.length > 0 };
      }
      case 'leftovers':
        return { region: 'us-east-2', leftovers: this.leftovers, ok: this.leftovers.length === 0 };
      default:
        throw new Error(`The fake does not know lab ${args[0]}`);
    }
  }

  /** Records a call, advances the clock, and answers it, or hangs until the run aborts it. */
  private async answer(call: Call, options: RunOptions, respond: () => number): Promise<number> {
    this.calls.push(call);
    this.envs[call] = options.env;
    if (this.onCall(call) === 'block') {
      // A child stopped by SIGINT exits 130, as a shell reports it.
      await new Promise<void>((resolve) =>
        options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      return 130;
    }
    const kind = call.split(' ').slice(0, 2).join(' ');
    await this.clock.sleep((MINUTES[kind] ?? 0.25) * 60_000);
    const failure = Object.entries(this.failures).find(([part]) => call.includes(part));
    if (failure) return failure[1];
    return respond();
  }

  private describe(name: string) {
    if (this.denyDescribe) {
      // Stands in for IAM's refusal; no published DescribeStacks denial is copied, and the test asserts only that it is passed on.
      throw Object.assign(new Error('not authorized to perform: cloudformation:DescribeStacks'), { name: 'AccessDenied', $metadata: {} });
    }
    const exists = this.existingStacks.includes(name) || (this.deployed && !name.endsWith('-ci-access'));
    if (!exists) {
      // CloudFormation's answer for a missing stack, as published in boto/boto3#2807.
      throw Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError', $metadata: {} });
    }
    const busy = this.busyPolls > 0;
    if (busy && name === 'eks-oidc-demo') this.busyPolls--;
    return {
      Stacks: [{ StackName: name, StackStatus: busy ? 'UPDATE_IN_PROGRESS' : 'CREATE_COMPLETE', CreationTime: new Date() }],
    };
  }

  private writeAssembly(dir: string, toggles: LabToggles): void {
    mkdirSync(dir, { recursive: true });
    const templates: Record<string, unknown> = {
      'eks-oidc-demo': { Resources: {} },
      'eks-oidc-demo-node-role': { Metadata: { [TOGGLES_METADATA_KEY]: toggles }, Resources: {} },
    };
    for (const name of this.extraStacks) templates[name] = { Resources: {} };
    const artifacts: Record<string, unknown> = {};
    for (const [name, template] of Object.entries(templates)) {
      writeFileSync(join(dir, `${name}.template.json`), JSON.stringify(template));
      artifacts[name] = { type: 'aws:cloudformation:stack', properties: { templateFile: `${name}.template.json` } };
    }
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
  }
}

/** The toggles a `cdk deploy` was given with -c, over the defaults. */
function contextFrom(args: readonly string[]): Record<string, string> {
  return Object.fromEntries(args.flatMap((arg, i) => (args[i - 1] === '-c' ? [arg.split('=') as [string, string]] : [])));
}

function togglesFrom(args: readonly string[]): LabToggles {
  const context = contextFrom(args);
  return {
    imds: (context.imds as ImdsMode) ?? DEFAULTS.imds,
    nodeRoleS3Access: context.nodeRoleS3Access === undefined ? DEFAULTS.nodeRoleS3Access : context.nodeRoleS3Access === 'true',
  };
}

/** SIGINT and SIGTERM, sent by the test. */
export class FakeInterrupts implements InterruptSource {
  private handlers: ((signal: string) => void)[] = [];

  onInterrupt(handler: (signal: string) => void): () => void {
    this.handlers.push(handler);
    return () => {
      this.handlers = this.handlers.filter((h) => h !== handler);
    };
  }

  fire(signal: string): void {
    for (const handler of this.handlers) handler(signal);
  }

  get listening(): number {
    return this.handlers.length;
  }
}

/** CloudTrail events as `lab trail --json` returns them, one per scenario caller of the default toggles. */
export function matchingTrail(): TrailEvent[] {
  const at = '2026-11-26T12:30:00.000Z';
  const assumed = (role: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${role}`;
  return [
    {
      time: at,
      region: 'us-east-2',
      scenario: ScenarioId.NODE_ROLE,
      eventName: 'ListBuckets',
      identityType: 'AssumedRole',
      identity: assumed('eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890'),
      ec2RoleDelivery: '2.0',
      errorCode: 'AccessDenied',
    },
    {
      time: at,
      region: 'us-east-2',
      scenario: ScenarioId.SECRET_INJECTED,
      eventName: 'ListBuckets',
      identityType: 'IAMUser',
      identity: `arn:aws:iam::${ACCOUNT}:user/eks-oidc-demo-secret-injected-StaticKeyUser46BD958E-K9L8M7N6`,
    },
    {
      time: at,
      region: 'us-east-2',
      scenario: ScenarioId.IRSA,
      eventName: 'AssumeRoleWithWebIdentity',
      identityType: 'WebIdentityUser',
      identity: 'system:serviceaccount:irsa:eks-iam-test',
      roleArn: `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456`,
    },
    {
      time: at,
      region: 'us-east-2',
      scenario: ScenarioId.POD_IDENTITY,
      eventName: 'ListBuckets',
      identityType: 'AssumedRole',
      identity: assumed('eks-oidc-demo-pod-identity-S3ListRole229B9F28-ZyXwVu987654/eks-eks-oidc-d-eks-iam-te-1a2b3c4d'),
    },
    {
      time: at,
      region: 'us-east-2',
      scenario: ScenarioId.PRECEDENCE,
      eventName: 'ListBuckets',
      identityType: 'AssumedRole',
      identity: assumed('eks-oidc-demo-precedence-PodIdentityRoleE5932633-Q1W2E3/eks-eks-oidc-d-eks-iam-te-5e6f7a8b'),
    },
  ];
}

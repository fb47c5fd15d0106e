import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LAB_CLUSTER } from '../cluster-contract';
import { Drill } from '../lab-config';
import { ScenarioId } from '../scenarios';
import { DEFAULT_ASSEMBLY_DIR } from './assembly';
import type { AwsClients } from './aws-clients';
import { Clock, SYSTEM_CLOCK } from './clock';
import { ExitCode, LabError, firstLine } from './errors';
import type { LabKube } from './kube';
import { Output, Terminal } from './output';
import { presentKubeconfigs } from './private/kubeconfig-files';

/** Everything the commands reach outside the process, so tests can replace it. */
export interface LabDependencies {
  readonly terminal: Terminal;
  readonly env: NodeJS.ProcessEnv;
  /**
   * @default - the system clock
   */
  readonly clock?: Clock;
  /**
   * Fetches an OIDC issuer's discovery document.
   * @default - the global fetch
   */
  readonly fetch?: typeof fetch;
  /**
   * Resolves AWS credentials and creates the clients.
   * @default - the SDK's default credential chain, without IMDS unless AWS_EC2_METADATA_DISABLED is set
   */
  readonly connectAws?: () => Promise<AwsClients>;
  /**
   * Loads the kubeconfig.
   * @default - $KUBECONFIG or ~/.kube/config, the lab's context
   */
  readonly loadKube?: () => LabKube;
}

const SCENARIO_IDS = Object.values(ScenarioId) as string[];

/** The lab's version, from package.json. */
export const LAB_VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;

/** Every environment variable the CLI reads, for `--help` and the README. */
export const LAB_ENVIRONMENT: ReadonlyArray<readonly [string, string]> = [
  ['KUBECONFIG', 'the kubeconfig files to read (default ~/.kube/config)'],
  ['AWS_PROFILE, AWS_ACCESS_KEY_ID, ...', "the AWS SDK's credential chain (the lab's region is fixed)"],
  ['AWS_EC2_METADATA_DISABLED', 'false lets the SDK use an EC2 instance role (default true)'],
  ['LAB_DEBUG', 'any value: print the stack trace of an unexpected error'],
];

/** Builds the `lab` program. Each action stores its exit code through `exit`; each Output it creates goes to `outputs`. */
export function createProgram(deps: LabDependencies, exit: (code: ExitCode) => void, outputs: Output[] = []): Command {
  const clock = deps.clock ?? SYSTEM_CLOCK;
  const connect = deps.connectAws ?? (async () => (await import('./aws-clients')).connectAws());
  // Fails at once, before the Kubernetes client is loaded, when there is no kubeconfig at all.
  const needKubeconfig = () => {
    if (!deps.loadKube) presentKubeconfigs(deps.env);
  };
  const kube =
    deps.loadKube ??
    (() => {
      needKubeconfig();
      // Loaded on demand: the offline commands never need the Kubernetes client.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LabKube, loadLabKubeConfig } = require('./kube') as typeof import('./kube');
      return new LabKube(loadLabKubeConfig(deps.env));
    });
  const output = (options: { json?: boolean }) => {
    const out = new Output(deps.terminal, Boolean(options.json));
    outputs.push(out);
    return out;
  };

  const program = new Command('lab')
    .description(`Runs and checks the ${LAB_CLUSTER.name} lab: how a pod on EKS gets AWS credentials.`)
    .configureOutput({ writeOut: (text) => deps.terminal.stdout.write(text), writeErr: (text) => deps.terminal.stderr.write(text) })
    .version(LAB_VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError('(run `npm run lab -- --help` for the commands)')
    .addHelpText(
      'after',
      [
        '',
        'The commands are in the order of the lab: price and check it, deploy it (`npx cdk deploy --all`),',
        'reach it, look, destroy it.',
        '',
        'Exit codes: 0 everything checked holds, 1 something does not hold, 2 cannot check (missing',
        'credentials, kubeconfig or cloud assembly, or bad usage).',
        '',
        '--json prints one JSON document on stdout, an error too ({ "ok": false, "error": ... }). npm prints',
        "its own header on stdout, so pipe it with npm's --silent:",
        '  npm run --silent lab -- verify --json | jq .',
        '',
        'Environment:',
        ...LAB_ENVIRONMENT.map(([name, what]) => `  ${name}: ${what}`),
      ].join('\n'),
    );

  const json = () => new Option('--json', 'print one JSON document instead of text');
  const assembly = () => new Option('--assembly <dir>', 'the cloud assembly `cdk synth` wrote').default(DEFAULT_ASSEMBLY_DIR);

  program
    .command('cost')
    .description('estimates what the cloud assembly costs per hour and per month while it runs')
    .addOption(assembly())
    .addOption(new Option('--budget <usdPerHour>', 'fail if the hourly total is above this').argParser(positiveNumber))
    .addOption(json())
    .action(async (options: { assembly: string; budget?: number; json?: boolean }) => {
      const { runCost } = await import('./commands/cost');
      exit(runCost({ assembly: options.assembly, budget: options.budget }, output(options)));
    });

  program
    .command('doctor')
    .description('names every mismatch that would break a scenario, and how to fix it')
    .option('--offline', 'check only the cloud assembly, without AWS or the cluster')
    .option('--verbose', 'list every check, not only the failed ones')
    .addOption(assembly())
    .addOption(json())
    .action(async (options: { offline?: boolean; verbose?: boolean; assembly: string; json?: boolean }) => {
      if (!options.offline) needKubeconfig();
      const { runDoctor } = await import('./commands/doctor');
      exit(
        await runDoctor(
          { assembly: options.assembly, offline: options.offline, verbose: options.verbose },
          { out: output(options), aws: connect, kube },
        ),
      );
    });

  program
    .command('kubeconfig')
    .description("after the deploy: writes the kubeconfig entry for the lab's cluster and its access role, and makes it current")
    .addOption(json())
    .action(async (options: { json?: boolean }) => {
      const { runKubeconfig } = await import('./commands/kubeconfig');
      const aws = await connect();
      exit(await runKubeconfig({ aws, out: output(options), env: deps.env }));
    });

  program
    .command('verify')
    .description("shows each deployed scenario's pods, logs and caller identity, and compares them with the expected outcome")
    .addArgument(new Argument('[scenario...]', 'scenarios to verify (default: every deployed one)').choices(SCENARIO_IDS))
    .addOption(assembly())
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the s3 ls pods to finish').default(300).argParser(positiveNumber))
    .addOption(json())
    .action(async (scenarios: ScenarioId[], options: { assembly: string; timeout: number; json?: boolean }) => {
      const cluster = kube();
      const { runVerify } = await import('./commands/verify');
      exit(
        await runVerify(
          { assembly: options.assembly, scenarios, timeoutSeconds: options.timeout },
          { kube: cluster, out: output(options), clock },
        ),
      );
    });

  program
    .command('rerun')
    .description("recreates a scenario's s3 ls pod, from the cloud assembly if it is gone, to run it once more")
    .addArgument(new Argument('<scenario>').choices(SCENARIO_IDS))
    .addOption(new Option('--pod <name>', "which of the scenario's run-once pods (default: its s3 ls pod)"))
    .addOption(assembly())
    .addOption(json())
    .action(async (id: ScenarioId, options: { pod?: string; assembly: string; json?: boolean }) => {
      const cluster = kube();
      const { runRerun } = await import('./commands/rerun');
      exit(await runRerun({ scenario: id, pod: options.pod, assembly: options.assembly }, { kube: cluster, out: output(options), clock }));
    });

  program
    .command('trail')
    .description(`shows the CloudTrail events (${LAB_CLUSTER.region} and us-east-1) that reveal who called S3 and STS`)
    .option('--since <duration>', 'how far back to look, e.g. 30m, 2h, 1d', '30m')
    .option('--wait', 'poll until each deployed scenario has its event (up to 15 minutes)')
    .addOption(json())
    .action(async (options: { since: string; wait?: boolean; json?: boolean }) => {
      const { runTrail, parseDuration } = await import('./commands/trail');
      parseDuration(options.since);
      const aws = await connect();
      exit(await runTrail({ since: options.since, wait: options.wait }, { aws, out: output(options), clock }));
    });

  program
    .command('token')
    .description('decodes the service-account tokens the pods see, side by side, and verifies the IRSA one as STS does')
    .addArgument(new Argument('[scenario]', 'whose tokens (default: one of each kind)').choices(SCENARIO_IDS))
    .addOption(json())
    .action(async (id: ScenarioId | undefined, options: { json?: boolean }) => {
      const cluster = kube();
      const { runToken } = await import('./commands/token');
      exit(await runToken({ scenario: id }, { kube: cluster, out: output(options), fetch: deps.fetch ?? fetch }));
    });

  program
    .command('drill')
    .description(
      'lists the known mistakes the lab can deploy on purpose (-c drill=<name>) and what each breaks; with a name, shows that one',
    )
    .addArgument(new Argument('[name]', 'the drill to show (default: every drill)').choices(Object.values(Drill)))
    .addOption(json())
    .action(async (name: Drill | undefined, options: { json?: boolean }) => {
      const { runDrill } = await import('./commands/drill');
      exit(runDrill(output(options), name));
    });

  program
    .command('leftovers')
    .description('after `cdk destroy --all`, lists anything of the lab still in the account')
    .addOption(json())
    .action(async (options: { json?: boolean }) => {
      const { runLeftovers } = await import('./commands/leftovers');
      const aws = await connect();
      exit(await runLeftovers({ aws, out: output(options) }));
    });

  // Last of the lab's own commands: what a user takes home to any other cluster.
  program
    .command('audit')
    .description('diagnoses how the pods of any EKS cluster get AWS credentials, read-only (or a saved snapshot, offline)')
    .option('--cluster <name>')
    .option('--region <region>')
    .option('--from <dir>')
    .option('--save <dir>')
    .option('--include-secrets')
    .option('--sarif')
    .option('--print-policy')
    .addOption(json())
    .addOption(new Option('--fail-on <severity>').choices(['error', 'warning', 'note']).default('warning'))
    .action(async (options: import('./commands/audit/audit').AuditOptions & { json?: boolean; failOn: string }) => {
      const { runAudit, auditDeps } = await import('./commands/audit/audit');
      exit(await runAudit({ ...options, failOn: options.failOn as never }, auditDeps(output(options), deps.terminal)));
    });

  program
    .command('e2e')
    .description(`deploys the whole lab in ${LAB_CLUSTER.region}, checks every scenario under every toggle, then destroys it`)
    .option('--yes', 'do not ask before deploying')
    .option('--reuse', 'run even if lab stacks exist already (they are destroyed at the end too)')
    .option('--keep', 'leave the lab deployed at the end')
    .option('--skip-toggles', 'verify the default toggles only')
    .option('--cleanup-only', 'only wait for, destroy and look for leftovers of the lab stacks')
    .option('--report <dir>', 'where to write report.md and report.json', 'e2e-report')
    .addOption(assembly())
    .addOption(json())
    .action(async (options: E2eCommandOptions) => {
      const { runE2e, processE2eDeps } = await import('./commands/e2e');
      const e2eDeps = await processE2eDeps({ terminal: deps.terminal, aws: connect, clock });
      exit(await runE2e({ ...options, reportDir: options.report }, e2eDeps));
    });

  return program;
}

interface E2eCommandOptions {
  yes?: boolean;
  reuse?: boolean;
  keep?: boolean;
  skipToggles?: boolean;
  cleanupOnly?: boolean;
  report: string;
  assembly: string;
  json?: boolean;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) throw new InvalidArgumentError(`'${value}' is not a non-negative number.`);
  return parsed;
}

/**
 * Runs `lab` with `argv` (without the node and script paths) and returns the exit code.
 * Every error becomes one line on stderr, never a stack trace.
 */
export async function runLab(argv: readonly string[], deps: LabDependencies): Promise<ExitCode> {
  let code = ExitCode.OK;
  const outputs: Output[] = [];
  const program = createProgram(
    deps,
    (result) => {
      code = result;
    },
    outputs,
  );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    // A spinner left running would draw over the error line.
    for (const out of outputs) out.stopProgress();
    if (err instanceof CommanderError) {
      // Commander has printed its message and the help hint on stderr.
      if (err.exitCode === 0) return ExitCode.OK;
      if (wantsJson(argv)) printJsonError(deps.terminal, err.message.replace(/^error: /, ''), ExitCode.CANNOT_CHECK);
      return ExitCode.CANNOT_CHECK;
    }
    const { describeAwsError } = await import('./aws-clients');
    const error = err instanceof LabError ? err : describeAwsError(err);
    const message = error ? error.message : `Unexpected error: ${firstLine(err)}`;
    const exitCode = error?.exitCode ?? ExitCode.CANNOT_CHECK;
    deps.terminal.stderr.write(`${message}\n`);
    if (!error && deps.env.LAB_DEBUG) deps.terminal.stderr.write(`${(err as Error).stack ?? ''}\n`);
    if (wantsJson(argv)) printJsonError(deps.terminal, message, exitCode);
    return exitCode;
  }
}

/** Whether the command line asks for JSON, before or after the command's name. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

/** Under --json, a command that cannot run still prints one JSON document, so `| jq` reads why. */
function printJsonError(terminal: Terminal, message: string, exitCode: ExitCode): void {
  terminal.stdout.write(`${JSON.stringify({ ok: false, error: { message, exitCode } }, null, 2)}\n`);
}

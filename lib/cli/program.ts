import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { LAB_CLUSTER } from '../cluster-contract';
import { ScenarioId } from '../scenarios';
import { DEFAULT_ASSEMBLY_DIR } from './assembly';
import type { AwsClients } from './aws-clients';
import { Clock, SYSTEM_CLOCK } from './clock';
import { ExitCode, LabError, firstLine } from './errors';
import type { LabKube } from './kube';
import { Output, Terminal } from './output';

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

/** Builds the `lab` program. Each action stores its exit code through `exit`. */
export function createProgram(deps: LabDependencies, exit: (code: ExitCode) => void): Command {
  const clock = deps.clock ?? SYSTEM_CLOCK;
  const connect = deps.connectAws ?? (async () => (await import('./aws-clients')).connectAws());
  const kube =
    deps.loadKube ??
    (() => {
      // Loaded on demand: the offline commands never need the Kubernetes client.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { LabKube, loadLabKubeConfig } = require('./kube') as typeof import('./kube');
      return new LabKube(loadLabKubeConfig(deps.env));
    });
  const output = (options: { json?: boolean }) => new Output(deps.terminal, Boolean(options.json));

  const program = new Command('lab')
    .description(`Runs and checks the ${LAB_CLUSTER.name} lab: how a pod on EKS gets AWS credentials.`)
    .configureOutput({ writeOut: (text) => deps.terminal.stdout.write(text), writeErr: (text) => deps.terminal.stderr.write(text) })
    .exitOverride()
    .showHelpAfterError('(run `npm run lab -- --help` for the commands)')
    .addHelpText(
      'after',
      '\nExit codes: 0 everything checked holds, 1 something does not hold, 2 cannot check (missing credentials, kubeconfig or cloud assembly, or bad usage).',
    );

  const json = () => new Option('--json', 'print one JSON document instead of text');
  const assembly = () => new Option('--assembly <dir>', 'the cloud assembly `cdk synth` wrote').default(DEFAULT_ASSEMBLY_DIR);

  program
    .command('verify')
    .description("shows each deployed scenario's pods, logs and caller identity, and compares them with the expected outcome")
    .addArgument(new Argument('[scenario...]', 'scenarios to verify (default: every deployed one)').choices(SCENARIO_IDS))
    .addOption(assembly())
    .addOption(new Option('--timeout <seconds>', 'how long to wait for the s3 ls pods to finish').default(300).argParser(positiveNumber))
    .addOption(json())
    .action(async (scenarios: ScenarioId[], options: { assembly: string; timeout: number; json?: boolean }) => {
      const { runVerify } = await import('./verify');
      exit(
        await runVerify(
          { assembly: options.assembly, scenarios, timeoutSeconds: options.timeout },
          { kube: kube(), out: output(options), clock },
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
      const { runRerun } = await import('./rerun');
      exit(await runRerun({ scenario: id, pod: options.pod, assembly: options.assembly }, { kube: kube(), out: output(options), clock }));
    });

  program
    .command('trail')
    .description(`shows the CloudTrail events (${LAB_CLUSTER.region} and us-east-1) that reveal who called S3 and STS`)
    .option('--since <duration>', 'how far back to look, e.g. 30m, 2h, 1d', '30m')
    .option('--wait', 'poll until each deployed scenario has its event (up to 15 minutes)')
    .addOption(json())
    .action(async (options: { since: string; wait?: boolean; json?: boolean }) => {
      const { runTrail, parseDuration } = await import('./trail');
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
      const { runToken } = await import('./token');
      exit(await runToken({ scenario: id }, { kube: kube(), out: output(options), fetch: deps.fetch ?? fetch }));
    });

  program
    .command('doctor')
    .description('names every mismatch that would break a scenario, and how to fix it')
    .option('--offline', 'check only the cloud assembly, without AWS or the cluster')
    .addOption(assembly())
    .addOption(json())
    .action(async (options: { offline?: boolean; assembly: string; json?: boolean }) => {
      const { runDoctor } = await import('./doctor');
      exit(await runDoctor({ assembly: options.assembly, offline: options.offline }, { out: output(options), aws: connect, kube }));
    });

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
    .action(async (options: import('./audit/audit').AuditOptions & { json?: boolean; failOn: string }) => {
      const { runAudit, auditDeps } = await import('./audit/audit');
      exit(await runAudit({ ...options, failOn: options.failOn as never }, auditDeps(output(options), deps.terminal)));
    });

  program
    .command('drill')
    .description('lists the known mistakes the lab can deploy on purpose (-c drill=<name>) and what each breaks')
    .addOption(json())
    .action(async (options: { json?: boolean }) => {
      const { runDrill } = await import('./drill');
      exit(runDrill(output(options)));
    });

  program
    .command('cost')
    .description('estimates what the cloud assembly costs per hour and per month while it runs')
    .addOption(assembly())
    .addOption(new Option('--budget <usdPerHour>', 'fail if the hourly total is above this').argParser(positiveNumber))
    .addOption(json())
    .action(async (options: { assembly: string; budget?: number; json?: boolean }) => {
      const { runCost } = await import('./cost');
      exit(runCost({ assembly: options.assembly, budget: options.budget }, output(options)));
    });

  program
    .command('leftovers')
    .description('after `cdk destroy --all`, lists anything of the lab still in the account')
    .addOption(json())
    .action(async (options: { json?: boolean }) => {
      const { runLeftovers } = await import('./leftovers');
      const aws = await connect();
      exit(await runLeftovers({ aws, out: output(options) }));
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
      const { runE2e, processE2eDeps } = await import('./e2e');
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
  const program = createProgram(deps, (result) => {
    code = result;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.OK : ExitCode.CANNOT_CHECK;
    const { describeAwsError } = await import('./aws-clients');
    const error = err instanceof LabError ? err : describeAwsError(err);
    deps.terminal.stderr.write(`${error ? error.message : `Unexpected error: ${firstLine(err)}`}\n`);
    if (!error && deps.env.LAB_DEBUG) deps.terminal.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return error?.exitCode ?? ExitCode.CANNOT_CHECK;
  }
}

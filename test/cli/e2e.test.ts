import { SCENARIOS } from '../../lib/scenarios';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { E2eOptions, E2eReport, PhaseStatus, runE2e } from '../../lib/cli/commands/e2e';
import { ExitCode } from '../../lib/cli/errors';
import { runLab } from '../../lib/cli/program';
import { labStackNames } from '../../lib/cli/private/e2e-plan';
import { ImdsMode } from '../../lib/lab-config';
import { buildTestLab } from '../util';
import { mockedAws } from './support/aws';
import { FakeLab, matchingTrail } from './support/fake-e2e';
import { CapturedTerminal } from './support/output';

function options(extra: Partial<E2eOptions> = {}): E2eOptions {
  const dir = mkdtempSync(join(tmpdir(), 'lab-e2e-test-'));
  return {
    yes: true,
    assembly: join(dir, 'cdk.out'),
    reportDir: join(dir, 'report'),
    contextFile: join(dir, 'cdk.context.json'),
    ...extra,
  };
}

function reportOf(opts: E2eOptions): E2eReport {
  return JSON.parse(readFileSync(join(opts.reportDir, 'report.json'), 'utf8'));
}

const phase = (report: E2eReport, name: string) => report.phases.find((p) => p.name === name);

/** Every IMDS mode but the default, then node-role S3 access on: one deploy and one verify each. */
const TOGGLE_RUNS = Object.values(ImdsMode).length - 1 + 1;

describe('lab e2e', () => {
  test('GIVEN a clean account WHEN run THEN it goes doctor, deploy, verify, each toggle, trail, destroy, leftovers, and exits 0', async () => {
    // GIVEN
    const lab = new FakeLab();
    const opts = options();

    // WHEN
    const code = await runE2e(opts, lab.deps());

    // THEN
    expect(code).toBe(ExitCode.OK);
    expect(lab.kinds).toEqual([
      'aws --version',
      'cdk synth',
      'lab cost',
      'lab doctor',
      'cdk deploy',
      'lab kubeconfig',
      'lab verify',
      'lab doctor',
      ...Array.from({ length: TOGGLE_RUNS }, () => ['cdk deploy', 'lab verify']).flat(),
      'lab trail',
      'cdk destroy',
      'lab leftovers',
    ]);
    expect(lab.calls[3]).toBe(`lab doctor --offline --assembly ${opts.assembly}`);
    // The kubeconfig is the run's own, in a temporary file, written by the command the README gives users.
    expect(lab.envs['lab kubeconfig']?.KUBECONFIG).toMatch(new RegExp(`^${tmpdir()}/lab-e2e-\\w+/kubeconfig$`));
    expect(phase(reportOf(opts), 'kubeconfig')?.detail).toBe(
      'kubeconfig for arn:aws:iam::123456789012:role/eks-oidc-demo-eksoidcdemoAccessRoleCA6D9427-AbCdEf123456',
    );
    const report = reportOf(opts);
    expect(report.ok).toBe(true);
    expect(report.phases.every((p) => p.status === PhaseStatus.PASSED)).toBe(true);
    expect(report.stillDeployed).toBe(false);
    expect(lab.interrupts.listening).toBe(0);
  });

  test('deploys every IMDS mode and both node-role S3 settings, each with all toggles explicit, and verifies under each', async () => {
    const lab = new FakeLab();
    await runE2e(options(), lab.deps());
    const deploys = lab.calls.filter((c) => c.startsWith('cdk deploy'));
    expect(deploys[0]).not.toContain(' -c ');
    for (const deploy of deploys.slice(1)) expect(deploy).toMatch(/ -c imds=\w+ -c nodeRoleS3Access=(true|false)$/);
    const seen = deploys.map((d) => /imds=(\w+)/.exec(d)?.[1] ?? ImdsMode.OPEN);
    expect(new Set(seen)).toEqual(new Set(Object.values(ImdsMode)));
    expect(deploys.some((d) => d.includes('nodeRoleS3Access=true'))).toBe(true);
    // Each deploy is followed by a verify of every scenario, with the kubeconfig the run wrote.
    lab.kinds.forEach((kind, i) => kind === 'cdk deploy' && expect(lab.kinds[i + 1]).toMatch(/^(lab kubeconfig|lab verify)$/));
    const verify = lab.calls.find((c) => c.startsWith('lab verify'))!;
    expect(verify).toMatch(new RegExp(`^lab verify ${SCENARIOS.map((s) => s.id).join(' ')} --assembly \\S+ --timeout 900$`));
    expect(verify).toContain('lab verify node-role bystander secret-injected irsa pod-identity');
    expect(lab.envs[verify]?.KUBECONFIG).toBe(lab.envs['lab kubeconfig']?.KUBECONFIG);
  });

  describe('leaves the toggles the user had remembered, not the last ones it deployed', () => {
    test('GIVEN cdk.context.json remembers imds=locked WHEN run THEN it holds exactly that again at the end, and the run says so', async () => {
      // GIVEN
      const lab = new FakeLab();
      const opts = options();
      lab.contextFile = opts.contextFile;
      const before = `${JSON.stringify({ imds: 'locked', 'availability-zones:account=123456789012:region=us-east-2': ['us-east-2a'] }, null, 2)}\n`;
      writeFileSync(opts.contextFile!, before);

      // WHEN
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);

      // THEN the toggle deploys did remember their values, and the run put the file back
      expect(lab.calls.some((c) => c.includes('-c nodeRoleS3Access=true'))).toBe(true);
      expect(readFileSync(opts.contextFile!, 'utf8')).toBe(before);
      expect(lab.terminal.text).toContain(`Put ${opts.contextFile} back as it was before the run`);
    });

    test('GIVEN no cdk.context.json WHEN run THEN there is none at the end', async () => {
      const lab = new FakeLab();
      const opts = options();
      lab.contextFile = opts.contextFile;
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
      expect(existsSync(opts.contextFile!)).toBe(false);
    });
  });

  test('deploys and destroys with the flags an unattended run needs', async () => {
    const lab = new FakeLab();
    const opts = options();
    await runE2e(opts, lab.deps());
    expect(lab.calls.find((c) => c.startsWith('cdk deploy'))).toBe(
      `cdk deploy --all --require-approval never --progress events --concurrency 4 --output ${opts.assembly}`,
    );
    expect(lab.calls.find((c) => c.startsWith('cdk destroy'))).toBe(`cdk destroy --all --force --output ${opts.assembly}`);
  });

  test('--skip-toggles deploys once', async () => {
    const lab = new FakeLab();
    const opts = options({ skipToggles: true });
    expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
    expect(lab.kinds.filter((k) => k === 'cdk deploy')).toHaveLength(1);
    expect(phase(reportOf(opts), 'toggles')).toMatchObject({ status: PhaseStatus.SKIPPED });
  });

  test('--keep leaves the lab deployed, says so, and runs no destroy', async () => {
    const lab = new FakeLab();
    const opts = options({ keep: true, skipToggles: true });
    expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
    expect(lab.kinds).not.toContain('cdk destroy');
    expect(lab.kinds).not.toContain('lab leftovers');
    const report = reportOf(opts);
    expect(report.stillDeployed).toBe(true);
    expect(readFileSync(join(opts.reportDir, 'report.md'), 'utf8')).toContain('**the lab may still be deployed**');
  });

  describe('never leaves the lab running by accident', () => {
    test('GIVEN the deploy fails WHEN run THEN nothing more is checked, and it still destroys and looks for leftovers', async () => {
      const lab = new FakeLab();
      lab.failures = { 'cdk deploy': 1 };
      const opts = options();
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds.slice(-3)).toEqual(['cdk deploy', 'cdk destroy', 'lab leftovers']);
      expect(lab.kinds).not.toContain('lab verify');
      const report = reportOf(opts);
      expect(phase(report, 'deploy')).toMatchObject({ status: PhaseStatus.FAILED, detail: 'cdk deploy exited 1' });
      expect(phase(report, 'destroy')?.status).toBe(PhaseStatus.PASSED);
      expect(report.stillDeployed).toBe(false);
    });

    test('GIVEN a toggle deploy fails WHEN run THEN the remaining toggles and the trail are skipped, and it destroys', async () => {
      const lab = new FakeLab();
      lab.failures = { ' -c imds=': 1 };
      expect(await runE2e(options(), lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds.filter((k) => k === 'cdk deploy')).toHaveLength(2);
      expect(lab.kinds).not.toContain('lab trail');
      expect(lab.kinds.slice(-2)).toEqual(['cdk destroy', 'lab leftovers']);
    });

    test('GIVEN a scenario does not hold WHEN verified THEN the run goes on, records the verdict and exits 1', async () => {
      const lab = new FakeLab();
      lab.verifyFailures.add(`${ImdsMode.LOCKED}/false/node-role`);
      const opts = options();
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds.slice(-3)).toEqual(['lab trail', 'cdk destroy', 'lab leftovers']);
      const report = reportOf(opts);
      const failed = report.verdicts.filter((v) => !v.ok);
      expect(failed).toEqual([
        {
          toggles: 'imds=locked',
          scenario: 'node-role',
          expected: { phase: 'Failed', caller: 'none', logSignature: 'Unable to locate credentials' },
          observed: { phase: 'Pending', caller: 'none' },
          ok: false,
        },
      ]);
      expect(phase(report, 'verify imds=locked')).toMatchObject({
        status: PhaseStatus.FAILED,
        detail: `${SCENARIOS.length - 1} of ${SCENARIOS.length} scenarios as expected (exit 1)`,
      });
    });

    test('GIVEN Ctrl-C during the deploy WHEN the stacks are still updating THEN it stops the deploy, waits for them, destroys and exits 1', async () => {
      // GIVEN: the deploy hangs until it is stopped; CloudFormation then needs two more polls to settle
      const lab = new FakeLab();
      lab.onCall = (call) => {
        if (!call.startsWith('cdk deploy')) return;
        lab.deployed = true;
        lab.busyPolls = 2;
        lab.interrupts.fire('SIGINT');
        return 'block';
      };
      const opts = options();

      // WHEN
      const code = await runE2e(opts, lab.deps());

      // THEN
      expect(code).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds.slice(-3)).toEqual(['cdk deploy', 'cdk destroy', 'lab leftovers']);
      const report = reportOf(opts);
      expect(report.interrupted).toBe('SIGINT');
      expect(phase(report, 'deploy')).toMatchObject({ status: PhaseStatus.INTERRUPTED, detail: 'stopped by SIGINT' });
      expect(phase(report, 'destroy')?.status).toBe(PhaseStatus.PASSED);
      // It polled until the cluster stack left UPDATE_IN_PROGRESS, 30 s apart, before destroying.
      expect(lab.busyPolls).toBe(0);
      expect(lab.clock.sleeps.filter((ms) => ms === 30_000)).toHaveLength(2);
      expect(lab.terminal.text).toContain('Waiting for eks-oidc-demo (UPDATE_IN_PROGRESS) before destroying.');
    });

    test('GIVEN the stacks cannot be described before the destroy WHEN run THEN it destroys anyway', async () => {
      const lab = new FakeLab();
      lab.onCall = (call) => {
        if (call.startsWith('lab trail')) lab.denyDescribe = true;
      };
      const opts = options({ skipToggles: true });
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
      expect(lab.kinds.slice(-2)).toEqual(['cdk destroy', 'lab leftovers']);
      expect(lab.terminal.text).toContain(
        'Could not check the stacks before destroying (not authorized to perform: cloudformation:DescribeStacks); destroying anyway.',
      );
    });

    test('GIVEN SIGTERM during a verify WHEN run THEN it stops there and destroys', async () => {
      const lab = new FakeLab();
      lab.onCall = (call) => {
        if (!call.startsWith('lab verify')) return;
        lab.interrupts.fire('SIGTERM');
        return 'block';
      };
      const opts = options();
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds.slice(-3)).toEqual(['lab verify', 'cdk destroy', 'lab leftovers']);
      expect(phase(reportOf(opts), 'verify')?.status).toBe(PhaseStatus.INTERRUPTED);
    });

    test('GIVEN Ctrl-C while it destroys WHEN run THEN the destroy finishes and leftovers still run', async () => {
      const lab = new FakeLab();
      lab.onCall = (call) => {
        if (call.startsWith('cdk destroy')) lab.interrupts.fire('SIGINT');
      };
      const opts = options({ skipToggles: true });
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
      expect(lab.kinds.slice(-2)).toEqual(['cdk destroy', 'lab leftovers']);
      expect(lab.terminal.text).toContain('SIGINT: the lab is being destroyed, and stopping now could leave it running.');
      expect(phase(reportOf(opts), 'destroy')?.status).toBe(PhaseStatus.PASSED);
    });

    test('GIVEN Ctrl-C before anything was deployed WHEN run THEN it destroys nothing', async () => {
      const lab = new FakeLab();
      lab.onCall = (call) => {
        if (!call.startsWith('cdk synth')) return;
        lab.interrupts.fire('SIGINT');
        return 'block';
      };
      const opts = options();
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds).toEqual(['aws --version', 'cdk synth']);
      expect(phase(reportOf(opts), 'destroy')).toMatchObject({ status: PhaseStatus.SKIPPED, detail: 'nothing was deployed' });
    });

    test('GIVEN leftovers after the destroy WHEN run THEN it lists them and exits 1', async () => {
      const lab = new FakeLab();
      lab.leftovers = [{ kind: 'network interface', id: 'eni-0abc', detail: 'available' }];
      const opts = options({ skipToggles: true });
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(reportOf(opts).leftovers).toEqual(lab.leftovers);
      expect(readFileSync(join(opts.reportDir, 'report.md'), 'utf8')).toContain('| network interface | eni-0abc | available |');
    });
  });

  describe('before it starts', () => {
    test('fails when a lab stack already exists, naming it, and touches nothing', async () => {
      const lab = new FakeLab();
      lab.existingStacks = ['eks-oidc-demo-irsa'];
      await expect(runE2e(options(), lab.deps())).rejects.toThrow(
        /^Lab stacks already exist in us-east-2: eks-oidc-demo-irsa \(CREATE_COMPLETE\)\. Destroy them first .* or pass --reuse/,
      );
      expect(lab.calls).toEqual([]);
      // It asked CloudFormation about every lab stack by name.
      const asked = lab.account.mocks.cloudFormation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input.StackName);
      expect(asked).toEqual(labStackNames());
    });

    test('with --reuse runs against the existing stacks and destroys them at the end', async () => {
      const lab = new FakeLab();
      lab.existingStacks = ['eks-oidc-demo', 'eks-oidc-demo-irsa'];
      expect(await runE2e(options({ reuse: true, skipToggles: true }), lab.deps())).toBe(ExitCode.OK);
      expect(lab.kinds).toContain('cdk destroy');
    });

    test('prints the account and region and asks before deploying', async () => {
      const lab = new FakeLab();
      await runE2e(options({ yes: false, skipToggles: true }), lab.deps());
      expect(lab.terminal.text).toContain('Account 123456789012 (arn:aws:sts::123456789012:assumed-role/e2e/test), region us-east-2.');
      expect(lab.questions).toEqual(['Run it in account 123456789012, region us-east-2? [y/N] ']);
    });

    test('fails without a yes, having deployed nothing', async () => {
      const lab = new FakeLab();
      lab.confirmAnswer = false;
      await expect(runE2e(options({ yes: false }), lab.deps())).rejects.toThrow(
        'Not confirmed, so nothing was deployed. Pass --yes to run without the question.',
      );
      expect(lab.calls).toEqual([]);
    });

    test('--yes does not ask', async () => {
      const lab = new FakeLab();
      await runE2e(options({ skipToggles: true }), lab.deps());
      expect(lab.questions).toEqual([]);
    });

    test('fails before deploying when the AWS CLI is missing', async () => {
      const lab = new FakeLab();
      lab.failures = { 'aws --version': 127 };
      await expect(runE2e(options(), lab.deps())).rejects.toThrow(/^The AWS CLI v2 is needed to reach the cluster/);
      expect(lab.kinds).toEqual(['aws --version']);
    });

    test('fails before deploying when the app includes the CI access stack, which destroy --all would delete', async () => {
      const lab = new FakeLab();
      lab.extraStacks = ['eks-oidc-demo-ci-access'];
      const opts = options();
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      expect(lab.kinds).toEqual(['aws --version', 'cdk synth']);
      expect(phase(reportOf(opts), 'synth')?.detail).toMatch(/^The app includes eks-oidc-demo-ci-access: cdk\.json sets a ciAccess key/);
    });
  });

  describe('CloudTrail', () => {
    test("GIVEN events arrive late WHEN waiting THEN it polls each minute until every scenario's caller is there", async () => {
      const lab = new FakeLab();
      const all = matchingTrail();
      lab.trailAnswers = [[], all.slice(0, 2), all];
      const opts = options({ skipToggles: true });
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
      expect(lab.kinds.filter((k) => k === 'lab trail')).toHaveLength(3);
      expect(lab.clock.sleeps.filter((ms) => ms === 60_000)).toHaveLength(2);
      const report = reportOf(opts);
      expect(report.trail.map((t) => [t.scenario, t.caller, Boolean(t.found)])).toEqual([
        ['node-role', 'node-role', true],
        ['bystander', 'node-role', true],
        ['secret-injected', 'iam-user', true],
        ['irsa', 'web-identity-role', true],
        ['pod-identity', 'pod-identity-role', true],
        ['precedence', 'pod-identity-role', true],
      ]);
    });

    test('looks back to the start of the run', async () => {
      const lab = new FakeLab();
      await runE2e(options({ skipToggles: true }), lab.deps());
      // aws --version, synth, cost, doctor: 0.25 min each; deploy 20; kubeconfig 0.25; verify 2; doctor 0.25: 23.5 min, up to 25.
      expect(lab.calls.find((c) => c.startsWith('lab trail'))).toBe('lab trail --since 25m');
    });

    test('GIVEN an event never arrives WHEN the wait is over THEN the trail fails naming the scenario, and it still destroys', async () => {
      const lab = new FakeLab();
      lab.trailAnswers = [matchingTrail().filter((e) => e.eventName !== 'AssumeRoleWithWebIdentity')];
      const opts = options({ skipToggles: true, trailTimeoutMinutes: 5 });
      expect(await runE2e(opts, lab.deps())).toBe(ExitCode.CHECK_FAILED);
      const report = reportOf(opts);
      expect(phase(report, 'trail')).toMatchObject({ status: PhaseStatus.FAILED, detail: 'no CloudTrail event yet for irsa' });
      expect(report.trail.find((t) => t.scenario === 'irsa')?.found).toBeUndefined();
      expect(lab.kinds.slice(-2)).toEqual(['cdk destroy', 'lab leftovers']);
    });
  });

  describe('the report', () => {
    test('holds every verdict under every toggle, each phase with its time, and the estimated cost', async () => {
      const lab = new FakeLab();
      const opts = options();
      await runE2e(opts, lab.deps());
      const report = reportOf(opts);
      expect(report.verdicts).toHaveLength(SCENARIOS.length * (1 + TOGGLE_RUNS));
      expect(new Set(report.verdicts.map((v) => v.toggles))).toEqual(
        new Set([
          'defaults',
          ...Object.values(ImdsMode)
            .filter((m) => m !== ImdsMode.OPEN)
            .map((m) => `imds=${m}`),
          'nodeRoleS3Access=true',
        ]),
      );
      expect(phase(report, 'deploy')?.seconds).toBe(20 * 60);
      expect(phase(report, 'destroy')?.seconds).toBe(15 * 60);
      // Deployed from the first deploy's start to the destroy's end, at lab cost's hourly estimate.
      const names = report.phases.map((p) => p.name);
      const deployed = report.phases.slice(names.indexOf('deploy'), names.indexOf('destroy') + 1).reduce((sum, p) => sum + p.seconds, 0);
      expect(report.cost.deployedHours).toBeCloseTo(deployed / 3600, 9);
      expect(report.cost).toMatchObject({
        hourlyUsd: 0.1259,
        priceTable: { source: 'AWS list prices, US East (Ohio)', asOf: '2026-11-01' },
      });
      expect(report.cost.estimatedUsd).toBeCloseTo(0.1259 * report.cost.deployedHours, 9);
    });

    test('as markdown: the summary, the phases with their times, the verdicts and the cost with its price date', async () => {
      const lab = new FakeLab();
      const opts = options({ skipToggles: true });
      await runE2e(opts, lab.deps());
      const markdown = readFileSync(join(opts.reportDir, 'report.md'), 'utf8');
      expect(markdown).toMatch(/^# eks-oidc-demo end-to-end run\n\n✓ Everything held\.\n/);
      expect(markdown).toMatch(
        /\| deploy \| ✓ passed \| 20m 00s \| deployed with imds=open, nodeRoleS3Access=false \(`npx cdk deploy --all/,
      );
      expect(markdown).toContain('| defaults | irsa | Succeeded, caller web-identity-role | Succeeded, caller web-identity-role | ✓ |');
      expect(markdown).toContain('| defaults | bystander | Failed, caller node-role, log "An error occurred (AccessDenied)');
      expect(markdown).toMatch(
        /- estimated cost: 0\.\d\d USD \(0\.1259 USD\/h × \d\.\d\d h deployed; AWS list prices, US East \(Ohio\), as of 2026-11-01; an estimate, not a bill\)/,
      );
      expect(markdown).toContain('- options: --skip-toggles');
      // Printed for people, too.
      expect(lab.terminal.text).toContain(markdown);
    });

    test('with --json, stdout holds only the report and progress goes to stderr', async () => {
      const lab = new FakeLab();
      const opts = options({ skipToggles: true, json: true });
      await runE2e(opts, lab.deps());
      expect(lab.terminal.json()).toEqual(reportOf(opts));
      expect(lab.terminal.errors).toContain('▶ deploy: npx cdk deploy --all');
      expect(lab.terminal.errors).toContain('✓ deploy (20m 00s): deployed with imds=open, nodeRoleS3Access=false');
    });
  });

  test('--cleanup-only waits, destroys and looks for leftovers, even with the lab deployed', async () => {
    const lab = new FakeLab();
    lab.existingStacks = ['eks-oidc-demo'];
    const opts = options({ cleanupOnly: true });
    expect(await runE2e(opts, lab.deps())).toBe(ExitCode.OK);
    expect(lab.kinds).toEqual(['aws --version', 'cdk destroy', 'lab leftovers']);
  });

  test('lists the same stacks the CDK app creates', async () => {
    const lab = await buildTestLab();
    expect(labStackNames()).toEqual([lab.stacks.cluster, ...lab.stacks.scenarios].map((s) => s.stackName));
  });
});

describe('lab e2e from the command line', () => {
  test('refuses to start when a lab stack exists, in one line, with exit code 2', async () => {
    const { clients, mocks } = mockedAws();
    mocks.sts.onAnyCommand().resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/e2e/test' });
    // CloudFormation's answer for a missing stack, as published in boto/boto3#2807.
    mocks.cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id x does not exist'), { name: 'ValidationError', $metadata: {} }));
    mocks.cloudFormation
      .on(DescribeStacksCommand, { StackName: 'eks-oidc-demo' })
      .resolves({ Stacks: [{ StackName: 'eks-oidc-demo', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
    const terminal = new CapturedTerminal();
    const report = join(mkdtempSync(join(tmpdir(), 'lab-e2e-cli-')), 'report');
    const code = await runLab(['e2e', '--yes', '--report', report], { terminal, env: {}, connectAws: async () => clients });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toMatch(/^Lab stacks already exist in us-east-2: eks-oidc-demo \(CREATE_COMPLETE\)\..*\n$/);
    expect(existsSync(report)).toBe(false);
  });

  test('--help names the options that shorten or guard the run', async () => {
    const terminal = new CapturedTerminal();
    await runLab(['e2e', '--help'], { terminal, env: {} });
    for (const option of ['--yes', '--reuse', '--keep', '--skip-toggles', '--cleanup-only', '--report <dir>', '--json'])
      expect(terminal.text).toContain(option);
  });
});

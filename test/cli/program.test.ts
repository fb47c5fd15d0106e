import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_CREDENTIALS_MESSAGE } from '../../lib/cli/aws-clients';
import { ExitCode } from '../../lib/cli/errors';
import { runLab } from '../../lib/cli/program';
import { writeSnapshotDir } from '../../lib/cli/sources/snapshot';
import { HANDMADE } from './audit/handmade';
import { healthySnapshot } from './rules/support/snapshot';
import { synthLab } from './support/assembly';
import { FakeCluster } from './support/fake-cluster';
import { CapturedTerminal } from './support/output';

const ROOT = join(__dirname, '..', '..');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs bin/lab.ts as a user would, with an empty HOME and nothing but PATH in the environment. */
function lab(args: string[], home: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--require', join(ROOT, 'test', 'offline-guard.cjs'), '--import', 'tsx', join(ROOT, 'bin', 'lab.ts'), ...args],
      {
        cwd: ROOT,
        env: { HOME: home, PATH: process.env.PATH ?? '' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function emptyHome(): string {
  return mkdtempSync(join(tmpdir(), 'lab-home-'));
}

/** A HOME whose ~/.kube/config names the lab's cluster, as `aws eks update-kubeconfig` writes it. */
function homeWithKubeconfig(path: string): string {
  const home = emptyHome();
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'config'), require('node:fs').readFileSync(path));
  return home;
}

describe('bin/lab.ts without an account or a cluster', () => {
  let cluster: FakeCluster;
  const runs: Record<string, Run> = {};

  // The runs are independent: start them together so the suite stays fast. A synth and seven CLI
  // processes at once take minutes on a busy machine of two CPUs.
  beforeAll(async () => {
    cluster = await new FakeCluster().start();
    const labHome = homeWithKubeconfig(cluster.writeKubeconfig());
    const otherHome = homeWithKubeconfig(cluster.writeKubeconfig('kind-playground'));
    const assembly = mkdtempSync(join(tmpdir(), 'lab-asm-none-'));
    // A clean clone has no cdk.out: live doctor gets the lab's assembly explicitly.
    const labAssembly = await synthLab();
    const commands: Record<string, [string[], string]> = {
      help: [['--help'], emptyHome()],
      trail: [['trail'], emptyHome()],
      leftovers: [['leftovers', '--json'], emptyHome()],
      verify: [['verify'], emptyHome()],
      doctor: [['doctor', '--assembly', labAssembly], labHome],
      token: [['token'], otherHome],
      offline: [['doctor', '--offline', '--assembly', assembly], emptyHome()],
    };
    await Promise.all(
      Object.entries(commands).map(async ([name, [args, home]]) => {
        runs[name] = await lab(args, home);
      }),
    );
  }, 300_000);
  afterAll(() => cluster.stop());

  test('--help lists every command', () => {
    expect(runs.help.code).toBe(0);
    for (const command of ['verify', 'rerun', 'trail', 'token', 'doctor', 'cost', 'leftovers', 'drill', 'kubeconfig'])
      expect(runs.help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  test.each(['trail', 'leftovers', 'doctor'])('fails when %s finds no AWS credentials, with one line and no stack trace', (name) => {
    expect(runs[name]).toEqual({ code: ExitCode.CANNOT_CHECK, stdout: expect.any(String), stderr: `${NO_CREDENTIALS_MESSAGE}\n` });
  });

  test('prints nothing else on stdout, or under --json the error as its one JSON document', () => {
    expect(runs.trail.stdout).toBe('');
    expect(runs.doctor.stdout).toBe('');
    expect(JSON.parse(runs.leftovers.stdout)).toEqual({
      ok: false,
      error: { message: NO_CREDENTIALS_MESSAGE, exitCode: ExitCode.CANNOT_CHECK },
    });
  });

  test('fails when verify finds no kubeconfig, and names the command that writes one', () => {
    expect(runs.verify.code).toBe(ExitCode.CANNOT_CHECK);
    expect(runs.verify.stdout).toBe('');
    expect(runs.verify.stderr.split('\n')).toEqual([
      expect.stringMatching(/^No kubeconfig found .*Run `npm run lab -- kubeconfig`, then retry\.$/),
      '',
    ]);
  });

  test('fails when the kubeconfig has no context for the lab cluster', () => {
    expect(runs.token.code).toBe(ExitCode.CANNOT_CHECK);
    expect(runs.token.stderr.split('\n')).toEqual([
      expect.stringMatching(/has no context for the eks-oidc-demo cluster \(current: kind-playground\)\. Run `npm run lab -- kubeconfig`/),
      '',
    ]);
    // It never talked to the other cluster.
    expect(cluster.requests).toEqual([]);
  });

  test('fails when there is no cloud assembly', () => {
    expect(runs.offline.code).toBe(ExitCode.CANNOT_CHECK);
    expect(runs.offline.stderr).toMatch(/^No cloud assembly in .*Run `npx cdk synth --quiet`.*\n$/);
  });
});

describe('runLab', () => {
  test.each([
    { name: 'a healthy cluster', snapshot: () => healthySnapshot(), expected: ExitCode.OK },
    {
      name: 'a trust with a wildcard under StringEquals',
      snapshot: () => HANDMADE['wildcard under StringEquals'].snapshot(),
      expected: ExitCode.CHECK_FAILED,
    },
  ])('lab audit --from a snapshot of $name exits $expected', async ({ snapshot, expected }) => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-audit-from-'));
    writeSnapshotDir(dir, snapshot());
    const terminal = new CapturedTerminal();
    const code = await runLab(['audit', '--from', dir], {
      terminal,
      env: {},
      connectAws: async () => {
        throw new Error('lab audit --from must not reach AWS');
      },
    });
    expect(code).toBe(expected);
  });

  test('lab audit --from a directory that is not there cannot check, and says how to collect one', async () => {
    const terminal = new CapturedTerminal();
    const code = await runLab(['audit', '--from', join(tmpdir(), 'no-such-snapshot')], { terminal, env: {} });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toMatch(/^No snapshot directory .*no-such-snapshot\. Collect one with `lab audit --cluster NAME --save /);
  });

  test('fails on an unknown scenario and lists the known ones', async () => {
    const terminal = new CapturedTerminal();
    const code = await runLab(['rerun', 'nope'], { terminal, env: {} });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toContain(
      'Allowed choices are node-role, bystander, secret-injected, irsa, pod-identity, old-sdk, precedence, abac-team-a, abac-team-b, role-chaining, session-policy.',
    );
  });

  test('turns an unexpected error into one line', async () => {
    const terminal = new CapturedTerminal();
    const code = await runLab(['leftovers'], {
      terminal,
      env: {},
      connectAws: async () => {
        throw Object.assign(new Error('The security token included in the request is expired\n    at somewhere'), {
          name: 'ExpiredToken',
          $metadata: { httpStatusCode: 403 },
        });
      },
    });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toBe(
      'AWS rejected the credentials (ExpiredToken: The security token included in the request is expired). Refresh them (`aws configure`, `aws sso login`), then retry.\n',
    );
  });
});

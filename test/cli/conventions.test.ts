import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors as undiciErrors } from 'undici';
import { ExitCode } from '../../lib/cli/errors';
import type { LabKube } from '../../lib/cli/kube';
import { columnWidths, wrapText } from '../../lib/cli/output';
import { runLab } from '../../lib/cli/program';
import { mockedAws } from './support/aws';
import { FakeCluster } from './support/fake-cluster';
import { CapturedTerminal } from './support/output';

const emptyHome = () => mkdtempSync(join(tmpdir(), 'lab-home-'));

describe('lab --version', () => {
  test("prints package.json's version", async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['--version'], { terminal, env: {} })).toBe(ExitCode.OK);
    expect(terminal.text).toBe(`${JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version}\n`);
  });
});

describe('lab --help', () => {
  test('lists the commands in the order of the lab, and every variable the CLI reads', async () => {
    const terminal = new CapturedTerminal();
    await runLab(['--help'], { terminal, env: {} });
    const section = terminal.text.slice(
      terminal.text.indexOf('Commands:'),
      terminal.text.indexOf('\n\n', terminal.text.indexOf('Commands:')),
    );
    const commands = [...section.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]);
    expect(commands).toEqual([
      'cost',
      'doctor',
      'kubeconfig',
      'verify',
      'rerun',
      'trail',
      'token',
      'drill',
      'leftovers',
      'audit',
      'e2e',
      'help',
    ]);
    for (const variable of ['KUBECONFIG', 'AWS_PROFILE', 'AWS_EC2_METADATA_DISABLED', 'LAB_DEBUG'])
      expect(terminal.text).toContain(variable);
    expect(terminal.text).toContain('npm run --silent lab -- verify --json | jq .');
    for (const line of terminal.text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });
});

describe('--json when a command cannot run', () => {
  test('prints a JSON error document on stdout, and the one line on stderr', async () => {
    const terminal = new CapturedTerminal();
    const code = await runLab(['verify', '--json'], { terminal, env: { HOME: emptyHome() } });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.json()).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/^No kubeconfig found .*Run `npm run lab -- kubeconfig`, then retry\.$/), exitCode: 2 },
    });
    expect(terminal.errors).toMatch(/^No kubeconfig found/);
  });

  test('prints one for a usage error too', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['rerun', 'nope', '--json'], { terminal, env: {} })).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.json().error.message).toMatch(/^command-argument value 'nope' is invalid for argument 'scenario'/);
  });

  test('prints none without --json', async () => {
    const terminal = new CapturedTerminal();
    await runLab(['verify'], { terminal, env: { HOME: emptyHome() } });
    expect(terminal.text).toBe('');
  });
});

describe('commands that need a cluster', () => {
  test.each([['verify'], ['rerun', 'irsa'], ['token'], ['doctor']])(
    '%s fails at once without a kubeconfig, before loading the Kubernetes client',
    async (...args) => {
      await jest.isolateModulesAsync(async () => {
        jest.doMock('@kubernetes/client-node', () => {
          throw new Error('the Kubernetes client was loaded');
        });
        const { runLab: isolatedRunLab } = await import('../../lib/cli/program');
        const terminal = new CapturedTerminal();
        const connectAws = async () => {
          throw new Error('AWS was reached before the kubeconfig was checked');
        };
        const code = await isolatedRunLab(args, { terminal, env: { HOME: emptyHome() }, connectAws });
        expect(code).toBe(ExitCode.CANNOT_CHECK);
        expect(terminal.errors).toMatch(/^No kubeconfig found \(looked at .*\)\. Run `npm run lab -- kubeconfig`, then retry\.\n$/);
      });
      // doMock outlives the isolated registry: later tests load the real client again.
      jest.dontMock('@kubernetes/client-node');
    },
  );
});

describe('the spinner', () => {
  test('is cleared when a command fails: it stops, shows the cursor again, and draws nothing after the error line', async () => {
    const terminal = new CapturedTerminal();
    // A terminal as node's tty.WriteStream is one: readline's clearLine writes ESC[2K, cursorTo a column.
    Object.assign(terminal.stderr, {
      isTTY: true,
      clearLine: () => terminal.stderr.write('\u001b[2K'),
      cursorTo: () => terminal.stderr.write('\r'),
      moveCursor: () => true,
    });
    const { synthLab } = await import('./support/assembly');
    const assembly = await synthLab();
    const aws = mockedAws();
    aws.mocks.cloudFormation.onAnyCommand().rejects(new Error('the fake account has nothing'));
    const code = await runLab(['doctor', '--assembly', assembly], {
      terminal,
      env: {},
      connectAws: async () => aws.clients,
      // Any call on it throws: the live checks fail after the spinner started.
      loadKube: () => new Proxy({}, { get: () => () => Promise.reject(new Error('the cluster went away')) }) as LabKube,
    });
    expect(code).toBe(ExitCode.CANNOT_CHECK);
    const errors = terminal.errors;
    const errorLine = errors.lastIndexOf('Unexpected error:');
    expect(errors).toContain('Checking the deployed lab');
    // ora clears its line (ESC[2K) and shows the cursor again (cli-cursor: ESC[?25h) when it stops.
    const lastFrame = errors.lastIndexOf('Checking the deployed lab');
    expect(errors.indexOf('\u001b[2K', lastFrame)).toBeGreaterThan(lastFrame);
    expect(errors.indexOf('\u001b[?25h', lastFrame)).toBeGreaterThan(lastFrame);
    expect(errors.indexOf('\u001b[?25h', lastFrame)).toBeLessThan(errorLine);
    expect(errors.slice(errorLine)).toMatch(/^Unexpected error: [^\n]+\n$/);
  }, 60_000);
});

describe('the Kubernetes API out of reach', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  test("gets the same message for undici's connect timeout as for ECONNREFUSED", async () => {
    const kube = cluster.client();
    // client-node's requests go through undici's fetch, which rejects with "fetch failed" and
    // the ConnectTimeoutError as its cause (undici lib/web/fetch/index.js, lib/core/errors.js).
    const timeout = new TypeError('fetch failed', { cause: new undiciErrors.ConnectTimeoutError() });
    (kube as unknown as { core: { readNamespacedPod: () => Promise<never> } }).core.readNamespacedPod = () => Promise.reject(timeout);
    await expect(kube.readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      `Cannot reach the Kubernetes API at ${cluster.url} (connect timeout). Is the cluster deployed (\`npx cdk deploy --all\`)? Then run \`npm run lab -- kubeconfig\` and retry.`,
    );
  });
});

describe('tables', () => {
  test('fit the width given, wrapping the widest column, and keep every word whole while they can', () => {
    const rows = [
      ['stack', 'item'],
      ['eks-oidc-demo-secret-injected', 'Secrets Manager secret, billed per month while it exists'],
    ];
    const widths = columnWidths(rows, 60);
    expect(widths.reduce((a, b) => a + b, 0) + widths.length + 1).toBeLessThanOrEqual(60);
    expect(widths[0]).toBe('eks-oidc-demo-secret-injected'.length + 2);
  });

  test('split a word longer than the column rather than cut it', () => {
    expect(wrapText('aaaaaaaaaa bb', 4)).toBe('aaaa\naaaa\naa\nbb');
  });
});

describe('--json through npm, the documented way', () => {
  test('`npm run --silent lab -- drill --json` prints the JSON document alone, ready for a pipe', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = join(__dirname, '..', '..');
    const run = spawnSync('npm', ['run', '--silent', 'lab', '--', 'drill', '--json'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: emptyHome(), NODE_OPTIONS: `--require ${join(root, 'test', 'offline-guard.cjs')}` },
    });
    expect(run.status).toBe(0);
    // Without --silent, npm's "> eks-oidc-demo@0.1.0 lab" header would come first and break the parse.
    expect(JSON.parse(run.stdout).drills).toHaveLength(7);
  }, 120_000);
});

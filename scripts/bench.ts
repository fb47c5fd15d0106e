/**
 * `npm run bench`: how fast the lab synthesizes and tests on this machine, in units that carry to
 * other machines. Times differ from machine to machine and with load; ratios measured side by side
 * in one run do not, or much less.
 *
 * - The anchor is EKS Blueprints' own quick-start app (bench/quickstart/): one cluster and three
 *   pinned core add-ons, no cdk-nag, on the same pinned libraries, synthesized offline. It runs as
 *   the TypeScript app `cdk init` makes, with tsx standing in for ts-node. The lab's `cdk synth -q`
 *   and the quick-start's run in turn, after one warm-up each, so a change of load hits both.
 * - `npm test` is reported in lab synths: warm, and the first after `npm ci`, whose caches
 *   (jest's, tsc's, ESLint's, Node's compile cache) are empty. Jest's own report splits the time its
 *   workers spent between the test files that run the lab's handlers (and kubectl) as processes and
 *   the others.
 * - Peak memory is the resident set of the process that synthesizes.
 *
 * Usage: npm run bench -- [--runs N] [--test-runs N] [--no-install] [--no-test]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const CDK = path.join(ROOT, 'node_modules', '.bin', 'cdk');

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index >= 0 ? Number(process.argv[index + 1]) || fallback : fallback;
}
const runs = option('--runs', 5);
const testRuns = option('--test-runs', 3);
const install = !process.argv.includes('--no-install');
const test = !process.argv.includes('--no-test');

const offlineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: `--require "${path.join(ROOT, 'test', 'offline-guard.cjs')}"`,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
};

interface Sample {
  readonly wall: number;
  /** CPU seconds of the command and every process it waited for, where /proc tells. */
  readonly cpu?: number;
}

/** CPU seconds used by the children this process has waited for (Linux's /proc/self/stat cutime + cstime). */
function childrenCpu(): number | undefined {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function timeOnce(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Sample {
  const cpuBefore = childrenCpu();
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: options.cwd ?? ROOT, env: options.env ?? offlineEnv, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuAfter = childrenCpu();
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout + result.stderr).slice(-3000)}`);
  }
  return { wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore };
}

/** The test files that run the lab's handlers, and kubectl with them, as processes. */
const RUNS_HANDLERS = /[/\\]test[/\\](replay|cluster-handlers)[/\\]/;

interface TestRun {
  readonly sample: Sample;
  /** Seconds jest's workers spent in test files, summed over the workers: those that run the handlers, and the rest. */
  readonly handlerFiles: number;
  readonly otherFiles: number;
}

/** One `npm test`, with jest's report of how long each test file took. */
function npmTest(): TestRun {
  const report = path.join(os.tmpdir(), `eks-oidc-demo-bench-jest-${process.pid}.json`);
  try {
    const sample = timeOnce('npm', ['test', '--silent', '--', '--json', `--outputFile=${report}`]);
    const files: { name: string; startTime: number; endTime: number }[] = JSON.parse(fs.readFileSync(report, 'utf8')).testResults;
    const workerSeconds = (runsHandlers: boolean) =>
      files.filter((f) => RUNS_HANDLERS.test(f.name) === runsHandlers).reduce((sum, f) => sum + (f.endTime - f.startTime) / 1000, 0);
    return { sample, handlerFiles: workerSeconds(true), otherFiles: workerSeconds(false) };
  } finally {
    fs.rmSync(report, { force: true });
  }
}

interface App {
  readonly label: string;
  readonly dir: string;
  /** Where its synths write, as cdk.out: kept between runs, so assets are staged once. */
  readonly outdir: string;
  readonly samples: Sample[];
  /** Peak resident memory of its synthesizing process in each run, in MiB. */
  readonly peakMiB: number[];
}

function app(label: string, dir: string): App {
  return { label, dir, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-bench-')), samples: [], peakMiB: [] };
}

/** One `cdk synth -q` of the app, offline; each Node process it starts records its peak memory. */
function synth(target: App, record: boolean): void {
  const rssFile = path.join(target.outdir, '..', `${path.basename(target.outdir)}.rss`);
  fs.rmSync(rssFile, { force: true });
  const env = {
    ...offlineEnv,
    NODE_OPTIONS: `${offlineEnv.NODE_OPTIONS} --require "${path.join(ROOT, 'bench', 'max-rss.cjs')}"`,
    BENCH_MAX_RSS_FILE: rssFile,
  };
  const sample = timeOnce(CDK, ['synth', '--quiet', '--output', target.outdir], { cwd: target.dir, env });
  // The app is the process whose script is a .ts file; the CLI's is `cdk`.
  const appKiB = fs
    .readFileSync(rssFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .filter(([, script]) => script.endsWith('.ts'))
    .map(([kib]) => Number(kib));
  fs.rmSync(rssFile, { force: true });
  if (record) {
    target.samples.push(sample);
    target.peakMiB.push(Math.max(...appKiB) / 1024);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianWall(samples: Sample[]): number {
  return median(samples.map((s) => s.wall));
}

function medianCpu(samples: Sample[]): number | undefined {
  return samples.every((s) => s.cpu !== undefined) ? median(samples.map((s) => s.cpu!)) : undefined;
}

function seconds(samples: Sample[]): string {
  const cpu = medianCpu(samples);
  const line = `${samples.length > 1 ? 'median ' : ''}${medianWall(samples).toFixed(1)} s${cpu === undefined ? '' : ` (CPU ${cpu.toFixed(1)} s)`}`;
  return samples.length > 1 ? `${line}  [${samples.map((s) => s.wall.toFixed(1)).join(', ')}]` : line;
}

function print(label: string, value: string): void {
  console.log(`  ${label.padEnd(50)} ${value}`);
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

const cpus = os.cpus();
console.log(
  `eks-oidc-demo bench, ${new Date().toISOString().slice(0, 16)}Z: node ${process.version}, ${cpus.length} CPU(s) (${cpus[0]?.model.trim() ?? 'unknown'}), ` +
    `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${loadAverage()}`,
);

let firstTest: TestRun | undefined;
if (install) {
  // The registry is the only network npm ci may use; the offline guard is for synth and tests.
  const ci = timeOnce('npm', ['ci', '--no-audit', '--no-fund'], { env: { ...process.env } });
  console.log(`npm ci: ${seconds([ci])}`);
  if (test) firstTest = npmTest();
}

const lab = app('lab: cdk synth -q (7 stacks, cdk-nag)', ROOT);
const quickstart = app('Blueprints quick-start (1 cluster, 3 add-ons)', path.join(ROOT, 'bench', 'quickstart'));
try {
  // The warm-up stages the assets and fills the compile caches; then the two take turns.
  synth(lab, false);
  synth(quickstart, false);
  for (let i = 0; i < runs; i++) {
    for (const target of i % 2 ? [quickstart, lab] : [lab, quickstart]) synth(target, true);
  }
  const unit = medianWall(lab.samples);
  console.log(`synth, ${runs} runs each, alternating, after a warm-up (load average now ${loadAverage()}):`);
  for (const target of [lab, quickstart]) print(target.label, seconds(target.samples));
  const cpuRatio = [medianCpu(lab.samples), medianCpu(quickstart.samples)];
  print(
    'lab / quick-start',
    `${(unit / medianWall(quickstart.samples)).toFixed(2)}` +
      (cpuRatio[0] && cpuRatio[1] ? ` (CPU ${(cpuRatio[0] / cpuRatio[1]).toFixed(2)})` : ''),
  );
  print(
    'peak memory of the synthesizing process',
    `lab ${Math.max(...lab.peakMiB).toFixed(0)} MiB, quick-start ${Math.max(...quickstart.peakMiB).toFixed(0)} MiB`,
  );

  if (test) {
    const warm = Array.from({ length: testRuns }, npmTest);
    const synths = (value: number) => `${(value / unit).toFixed(1)} synths`;
    console.log(`npm test, in lab synths of ${unit.toFixed(1)} s (load average now ${loadAverage()}):`);
    if (firstTest) print('first after npm ci', `${synths(firstTest.sample.wall)} = ${seconds([firstTest.sample])}`);
    const samples = warm.map((run) => run.sample);
    print(`warm, ${testRuns} runs`, `${synths(medianWall(samples))} = ${seconds(samples)}`);
    // Where the time goes: the replayed flows and the handler's tests run Python and kubectl processes.
    const last = warm[warm.length - 1];
    print(
      'last warm run, per test file, summed over workers',
      `test/replay/ and test/cluster-handlers/ ${synths(last.handlerFiles)} (${last.handlerFiles.toFixed(0)} s), ` +
        `the others ${synths(last.otherFiles)} (${last.otherFiles.toFixed(0)} s)`,
    );
  }

  const cost = spawnSync(process.execPath, ['--require', './scripts/require-ts.cjs', 'bin/lab.ts', 'cost', '--assembly', lab.outdir], {
    cwd: ROOT,
    env: offlineEnv,
    encoding: 'utf8',
  });
  console.log(cost.status === 0 ? cost.stdout.trimEnd() : `lab cost failed: ${cost.stderr.trim()}`);
} finally {
  for (const target of [lab, quickstart]) fs.rmSync(target.outdir, { recursive: true, force: true });
}
console.log(spawnSync('npx', ['tsx', 'scripts/bench-audit.ts'], { cwd: ROOT, env: offlineEnv, encoding: 'utf8' }).stdout.trimEnd());
console.log(`load average at the end ${loadAverage()}`);

/**
 * `npm run bench`: wall times of `npm ci`, of an offline `cdk synth` and of `npm test`, measured on
 * this machine in one run, plus the lab's hourly cost as `lab cost` estimates it from the assembly.
 * `npm ci` empties node_modules and with it the jest, ESLint and tsc caches, so the first `npm test`
 * after it runs cold and is reported on its own; the timed runs after it have warm caches.
 * Usage: npm run bench -- [--runs N] [--no-install]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const install = !process.argv.includes('--no-install');

const offlineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'offline-guard.cjs')}`,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
};

function timeOnce(command: string, args: string[], env: NodeJS.ProcessEnv = offlineEnv): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${(result.stdout + result.stderr).slice(-3000)}`);
  }
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function report(label: string, samples: number[], note = ''): void {
  const line =
    samples.length === 1
      ? `${samples[0].toFixed(1)} s`
      : `min ${Math.min(...samples).toFixed(1)}  median ${median(samples).toFixed(1)}  max ${Math.max(...samples).toFixed(1)} s` +
        `  (${samples.length} runs: ${samples.map((s) => s.toFixed(1)).join(', ')})`;
  console.log(`${label.padEnd(24)} ${line}${note ? `  ${note}` : ''}`);
}

function bench(label: string, command: string, args: string[], times: number): void {
  report(
    label,
    Array.from({ length: times }, () => timeOnce(command, args)),
  );
}

function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

console.log(
  `eks-oidc-demo bench, ${new Date().toISOString().slice(0, 16)}Z, ${os.cpus().length} CPU(s), node ${process.version}, load average ${loadAverage()}`,
);
if (install) {
  // The registry is the only network npm ci may use; the offline guard is for synth and tests.
  report('npm ci', [timeOnce('npm', ['ci', '--no-audit', '--no-fund'], { ...process.env })]);
  report('npm test, first run', [timeOnce('npm', ['test', '--silent'])], '(cold caches, right after npm ci)');
}
const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-bench-'));
try {
  bench('cdk synth (offline)', 'npx', ['cdk', 'synth', '--quiet', '--output', outdir], runs);
  bench('npm test', 'npm', ['test', '--silent'], Math.max(3, Math.ceil(runs / 2)));
  const cost = spawnSync('npx', ['tsx', 'bin/lab.ts', 'cost', '--assembly', outdir], { cwd: ROOT, env: offlineEnv, encoding: 'utf8' });
  console.log(cost.status === 0 ? cost.stdout.trimEnd() : `lab cost failed: ${cost.stderr.trim()}`);
} finally {
  fs.rmSync(outdir, { recursive: true, force: true });
}
console.log(spawnSync('npx', ['tsx', 'scripts/bench-audit.ts'], { cwd: ROOT, env: offlineEnv, encoding: 'utf8' }).stdout.trimEnd());
console.log(`load average at the end ${loadAverage()}`);

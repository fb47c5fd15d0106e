/**
 * `npm run bench`: median wall time of an offline `cdk synth` and of `npm test`,
 * plus the lab's hourly cost as `lab cost` estimates it from the synthesized assembly.
 * Usage: npm run bench -- [--runs N]
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;

const offlineEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: `--require ${path.join(ROOT, 'test', 'offline-guard.cjs')}`,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  CDK_DISABLE_VERSION_CHECK: 'true',
};

function timeOnce(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: ROOT, env: offlineEnv, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  }
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function bench(label: string, command: string, args: string[], times: number): void {
  const samples = Array.from({ length: times }, () => timeOnce(command, args));
  const shown = samples.map((s) => s.toFixed(2)).join(', ');
  console.log(`${label.padEnd(22)} median ${median(samples).toFixed(2)} s  (${times} runs: ${shown})`);
}

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-bench-'));
console.log(`eks-oidc-demo bench on ${os.cpus().length} CPU(s), node ${process.version}`);
bench('cdk synth (offline)', 'npx', ['cdk', 'synth', '--quiet', '--output', outdir], runs);
bench('npm test', 'npm', ['test', '--silent'], Math.max(1, Math.ceil(runs / 2)));

const cost = spawnSync('npx', ['tsx', 'bin/lab.ts', 'cost', '--assembly', outdir], { cwd: ROOT, env: offlineEnv, encoding: 'utf8' });
console.log(cost.status === 0 ? cost.stdout.trimEnd() : `lab cost failed: ${cost.stderr.trim()}`);

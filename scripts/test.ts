/**
 * `npm test`: jest, then the type-check and the linters side by side. Jest prints as it goes and has
 * the CPUs to itself: its two workers fill a machine of two, and a check beside them would only slow
 * the tests down. The type-check and the linters print when they finish: one line when they pass,
 * their whole output when they fail. Exits non-zero when any of them fails.
 * Usage: npm test -- [jest arguments]
 */
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

interface Check {
  readonly name: string;
  readonly command: string;
  readonly args: string[];
}

/** Where tsconfig.json keeps tsc's build info, and the record npm keeps of what it installed. */
const TSC_BUILD_INFO = 'node_modules/.cache/tsc/tsbuildinfo.json';
const INSTALLED = 'node_modules/.package-lock.json';

const CHECKS: Check[] = [
  // Build mode skips the type-check when no source file or tsconfig changed since the last clean
  // one. It does not look at node_modules, so it checks again (--force) after any npm install.
  { name: 'tsc', command: 'tsc', args: ['--build', ...(installedSinceLastCheck() ? ['--force'] : [])] },
  { name: 'lint', command: 'npm', args: ['run', 'lint', '--silent'] },
];

function installedSinceLastCheck(): boolean {
  return !existsSync(TSC_BUILD_INFO) || !existsSync(INSTALLED) || statSync(INSTALLED).mtimeMs > statSync(TSC_BUILD_INFO).mtimeMs;
}

/** Runs a check with its output held back; resolves to its exit code and what it printed. */
function runQuietly(check: Check): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(check.command, check.args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (err) => resolve({ code: 1, output: `${err.message}\n` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

function runJest(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('jest', args, { stdio: 'inherit' });
    child.on('error', () => resolve(1));
    child.on('close', (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<void> {
  const jestCode = await runJest(process.argv.slice(2));
  const results = await Promise.all(CHECKS.map(async (check) => ({ check, ...(await runQuietly(check)) })));
  for (const { check, code, output } of results) {
    if (code !== 0 || output.trim())
      console.error(`\n${check.name} (${[check.command, ...check.args].join(' ')}) exited ${code}:\n${output.trimEnd()}`);
  }
  const checksPassed = results.every(({ code, output }) => code === 0 && !output.trim());
  if (checksPassed) console.error('\ntsc and lint passed: the types check, and ESLint and Prettier find nothing.');
  process.exitCode = jestCode === 0 && results.every(({ code }) => code === 0) ? 0 : 1;
}

void main();

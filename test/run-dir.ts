import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * One temp directory per jest run. Every temp directory a test makes (synthesized assemblies,
 * empty HOMEs, kubeconfigs, cdk8s outdirs) goes inside it, and the run removes it at the end, so a
 * run leaves nothing in the system's temp directory.
 */
const PREFIX = 'eks-oidc-demo-test-';
const RUN_DIR = 'EKS_OIDC_DEMO_TEST_RUN_DIR';
const OUTER_TMPDIR = 'EKS_OIDC_DEMO_TEST_OUTER_TMPDIR';
/** No run takes this long; an older directory whose process is gone was abandoned. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/** Creates the run's directory and makes it the temp directory of this process and of the workers jest forks after it. */
export function createRunDir(): string {
  removeAbandonedRunDirs();
  // Named after this process, so a later run can tell an abandoned directory from a live one.
  const runDir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
  process.env[OUTER_TMPDIR] = process.env.TMPDIR ?? '';
  process.env[RUN_DIR] = runDir;
  // os.tmpdir() reads TMPDIR on every call (https://nodejs.org/api/os.html#ostmpdir).
  process.env.TMPDIR = runDir;
  return runDir;
}

/** Removes the run's directory and everything in it. */
export function removeRunDir(): void {
  const runDir = process.env[RUN_DIR];
  if (!runDir) return;
  const outer = process.env[OUTER_TMPDIR];
  if (outer) process.env.TMPDIR = outer;
  else delete process.env.TMPDIR;
  rmSync(runDir, { recursive: true, force: true });
  delete process.env[RUN_DIR];
}

/** The directory of the current run; jest's global setup creates it. */
export function currentRunDir(): string {
  const runDir = process.env[RUN_DIR];
  if (!runDir) throw new Error(`${RUN_DIR} is not set: run the tests with jest, whose global setup (test/global-setup.ts) creates it.`);
  return runDir;
}

/** Removes the directories of runs that were killed before they could remove their own. */
function removeAbandonedRunDirs(): void {
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    const old = Date.now() - statSync(dir).mtimeMs > ABANDONED_AFTER_MS;
    if (old && Number.isInteger(pid) && !isAlive(pid)) rmSync(dir, { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

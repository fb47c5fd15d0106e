import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunDir, currentRunDir, removeRunDir } from './run-dir';

const HOUR_MS = 60 * 60 * 1000;

describe("the test run's temp directory", () => {
  test('is the temp directory every test file sees, so whatever a test makes there goes with the run', () => {
    expect(os.tmpdir()).toBe(currentRunDir());
    expect(path.basename(currentRunDir())).toMatch(/^eks-oidc-demo-test-\d+-\w{6}$/);
    expect(fs.statSync(currentRunDir()).isDirectory()).toBe(true);
  });

  describe('made and removed', () => {
    // createRunDir and removeRunDir change process.env; these tests put it back.
    const keys = ['TMPDIR', 'EKS_OIDC_DEMO_TEST_RUN_DIR', 'EKS_OIDC_DEMO_TEST_OUTER_TMPDIR'];
    const saved = Object.fromEntries(keys.map((key) => [key, process.env[key]]));
    afterEach(() => {
      for (const key of keys) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });

    test('GIVEN a new run directory WHEN the run ends THEN it is gone with its content, and TMPDIR is back', () => {
      const outer = process.env.TMPDIR;
      const runDir = createRunDir();
      expect(path.dirname(runDir)).toBe(os.tmpdir());
      expect([process.env.TMPDIR, currentRunDir()]).toEqual([runDir, runDir]);
      fs.mkdirSync(path.join(runDir, 'assemblies', 'test-account'), { recursive: true });
      fs.writeFileSync(path.join(runDir, 'assemblies', 'test-account', 'manifest.json'), '{}');

      removeRunDir();

      expect(fs.existsSync(runDir)).toBe(false);
      expect(process.env.TMPDIR).toBe(outer);
      expect(() => currentRunDir()).toThrow(/global setup/);
    });

    test('a new run removes the directory of a killed run, and keeps those of live or recent runs', () => {
      // GIVEN directories of a finished process, an hour old and new, and an hour-old one of this live process
      const deadPid = spawnSync(process.execPath, ['-e', '0']).pid;
      const make = (name: string, ageMs: number): string => {
        const dir = path.join(os.tmpdir(), name);
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'template.json'), '{}');
        const time = new Date(Date.now() - ageMs);
        fs.utimesSync(dir, time, time);
        return dir;
      };
      const abandoned = make(`eks-oidc-demo-test-${deadPid}-oldrun`, 2 * HOUR_MS);
      const recent = make(`eks-oidc-demo-test-${deadPid}-newrun`, 0);
      const live = make(`eks-oidc-demo-test-${process.pid}-liverun`, 2 * HOUR_MS);

      // WHEN a run starts
      createRunDir();
      removeRunDir();

      // THEN only the abandoned one is gone
      expect([abandoned, recent, live].map((dir) => fs.existsSync(dir))).toEqual([false, true, true]);
    });
  });
});

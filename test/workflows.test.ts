import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { parse } from 'yaml';
import { CiAccessStack } from '../lib/app/ci-access-stack';
import { LAB_CLUSTER } from '../lib/cluster-contract';
import { runLab } from '../lib/cli/program';
import { parseLabConfig } from '../lib/lab-config';
import { CapturedTerminal } from './cli/support/output';

const WORKFLOWS = path.join(__dirname, '..', '.github', 'workflows');
const VALIDATOR = require.resolve('@action-validator/cli/cli.mjs');

/** Runs action-validator, the GitHub workflow schema check from the npm registry, on one file. */
function validate(file: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [VALIDATOR, file], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const workflowFiles = fs.readdirSync(WORKFLOWS).filter((name) => /\.ya?ml$/.test(name));

describe('GitHub workflows', () => {
  test.each(workflowFiles)('%s passes action-validator', (name) => {
    expect(validate(path.join(WORKFLOWS, name))).toEqual({ status: 0, output: '' });
  });

  test('action-validator fails a workflow with a misspelt key and a wrong type', () => {
    const broken = fs
      .readFileSync(path.join(WORKFLOWS, 'e2e.yml'), 'utf8')
      .replace('timeout-minutes: 170', 'timeout-minutes: soon')
      .replace('    steps:', '    stepz:');
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-')), 'e2e.yml');
    fs.writeFileSync(file, broken);
    const result = validate(file);
    expect(result.status).toBe(1);
    expect(result.output).toContain("Additional property 'stepz' is not allowed");
  });

  test('e2e.yml, which holds AWS credentials, pins every action to a commit, with its version in a comment', () => {
    const uses = fs
      .readFileSync(path.join(WORKFLOWS, 'e2e.yml'), 'utf8')
      .split('\n')
      .filter((line) => /^\s*(-\s+)?uses:/.test(line));
    expect(uses.length).toBeGreaterThan(0);
    for (const line of uses) expect(line).toMatch(/uses: [\w-]+\/[\w-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });
});

describe('the e2e workflow', () => {
  const text = fs.readFileSync(path.join(WORKFLOWS, 'e2e.yml'), 'utf8');
  const workflow = parse(text);
  const steps = (job: string): any[] => workflow.jobs[job].steps;
  const step = (job: string, uses: string) => steps(job).find((s) => s.uses?.startsWith(`${uses}@`));

  test('runs by hand only', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
  });

  test('never runs twice at once, and never cancels a run in progress', () => {
    expect(workflow.concurrency).toEqual({ group: expect.stringMatching(/\S/), 'cancel-in-progress': false });
  });

  test.each(['e2e', 'cleanup'])('job %s authenticates with GitHub OIDC and a role, never with stored keys', (job) => {
    expect(workflow.jobs[job].permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    const credentials = step(job, 'aws-actions/configure-aws-credentials');
    expect(credentials.with).toMatchObject({ 'role-to-assume': '${{ vars.AWS_E2E_ROLE_ARN }}', 'aws-region': LAB_CLUSTER.region });
    expect(Object.keys(credentials.with)).not.toEqual(expect.arrayContaining(['aws-access-key-id']));
    expect(text).not.toMatch(/secrets\.|aws-secret-access-key|AWS_SECRET_ACCESS_KEY/);
  });

  test('asks for sessions the CI access role allows: no longer than its maximum', () => {
    const stack = new CiAccessStack(new App(), 'CiAccess', {
      access: parseLabConfig((key) => ({ ciAccessRepository: 'octo-org/octo-repo' })[key]).ciAccess!,
      labStackNames: [],
    });
    const maxSession = (stack.role.node.defaultChild as any).maxSessionDuration;
    for (const job of ['e2e', 'cleanup']) {
      const seconds = step(job, 'aws-actions/configure-aws-credentials').with['role-duration-seconds'];
      expect(seconds).toBeLessThanOrEqual(maxSession);
      // And longer than the job can run.
      expect(seconds).toBeGreaterThanOrEqual(workflow.jobs[job]['timeout-minutes'] * 60);
    }
  });

  test('runs lab e2e --yes with a timeout shorter than the job', () => {
    const run = steps('e2e').find((s) => s.name === 'lab e2e');
    expect(run.run).toContain('npm run lab -- e2e "${args[@]}"');
    expect(run.run).toContain('args=(--yes)');
    expect(run['timeout-minutes']).toBeLessThan(workflow.jobs.e2e['timeout-minutes']);
  });

  test('uploads the report the e2e command writes by default, even when the run failed', async () => {
    const help = new CapturedTerminal();
    await runLab(['e2e', '--help'], { terminal: help, env: {} });
    const reportDir = /--report <dir>[^(]*\(default:\s*"([^"]+)"\)/.exec(help.text)![1];
    const upload = step('e2e', 'actions/upload-artifact');
    expect(upload.if).toBe('always()');
    expect(upload.with.path).toBe(`${reportDir}/`);
  });

  test('destroys in a job of its own that runs whatever happened to the e2e job', () => {
    expect(workflow.jobs.cleanup).toMatchObject({ needs: 'e2e', if: 'always()' });
    expect(workflow.jobs.cleanup['timeout-minutes']).toBeGreaterThan(0);
    const destroy = steps('cleanup').find((s) => /lab -- e2e --cleanup-only --yes/.test(s.run ?? ''));
    expect(destroy.if).toBe('always()');
  });
});

describe('every workflow', () => {
  // `^22.19.0 || ^24.0.0`: the majors package.json's engines allows.
  const engines: string = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).engines.node;
  const allowedMajors = engines.split('||').map((range) => Number(/\^(\d+)\./.exec(range.trim())![1]));

  /** The Node versions a setup-node step asks for, its matrix expanded. */
  function nodeVersions(job: any, setup: any): string[] {
    const version = String(setup.with?.['node-version'] ?? '');
    const matrixKey = /^\$\{\{\s*matrix\.(\w+)\s*\}\}$/.exec(version)?.[1];
    return matrixKey ? job.strategy.matrix[matrixKey].map(String) : [version];
  }

  test.each(workflowFiles)('%s sets up a Node that package.json engines allows', (name) => {
    const workflow = parse(fs.readFileSync(path.join(WORKFLOWS, name), 'utf8'));
    const asked = Object.values(workflow.jobs as Record<string, any>).flatMap((job) =>
      (job.steps as any[]).filter((s) => s.uses?.startsWith('actions/setup-node@')).flatMap((s) => nodeVersions(job, s)),
    );
    expect(asked.length).toBeGreaterThan(0);
    // setup-node resolves a bare major to that line's latest release, which the ^major.minor range allows.
    for (const version of asked) expect(allowedMajors).toContain(Number(/^(\d+)/.exec(version)?.[1]));
  });
});

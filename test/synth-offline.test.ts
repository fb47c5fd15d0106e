import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

describe('npx cdk synth', () => {
  let outdir: string;
  let result: SpawnSyncReturns<string>;
  beforeAll(() => {
    // GIVEN a process that cannot reach anything but loopback, with no AWS config
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-synth-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'home-')),
      NODE_OPTIONS: `--require ${path.join(__dirname, 'offline-guard.cjs')}`,
      CDK_DISABLE_CLI_TELEMETRY: 'true',
      CDK_DISABLE_VERSION_CHECK: 'true',
    };

    // WHEN the lab is synthesized the way a newcomer would
    result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--output', outdir], { cwd: ROOT, env, encoding: 'utf8' });
  }, 300_000);

  test('succeeds with no AWS account, no credentials and no network, and writes every stack', () => {
    // THEN it exits 0, nothing tried the network, and every stack is there
    expect(result.stderr).not.toMatch(/offline guard|refused|ENOTFOUND|EAI_AGAIN|credentials/i);
    expect(result.status).toBe(0);
    const templates = fs
      .readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .sort();
    expect(templates).toEqual([
      'eks-oidc-demo-irsa.template.json',
      'eks-oidc-demo-node-role.template.json',
      'eks-oidc-demo-pod-identity-advanced.template.json',
      'eks-oidc-demo-pod-identity.template.json',
      'eks-oidc-demo-precedence.template.json',
      'eks-oidc-demo-secret-injected.template.json',
      'eks-oidc-demo.template.json',
    ]);
  });

  test('prints no warning: every recommended feature flag is set, and nothing the lab uses is deprecated', () => {
    // The CLI reports unset flags ("N feature flags are not configured"), construct warnings and
    // Node's own warnings ("(node:PID) ...Warning") on stderr.
    expect(result.stderr).not.toMatch(/warn|feature flags|deprecat|\(node:\d+\)/i);
    expect(result.stderr).toContain('Successfully synthesized');
  });
});

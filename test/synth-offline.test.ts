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

  test("copies the lab's own assets into cdk.out, and names installed packages' where npm put them", () => {
    // THEN cdk.out holds no layer zip: the kubectl and AWS CLI layers (57 MB) stay in node_modules
    const files = fs.readdirSync(outdir);
    const stats = files.map((f) => fs.statSync(path.join(outdir, f)));
    const sizeMiB = stats.reduce((sum, stat) => sum + (stat.isFile() ? stat.size : 0), 0) / 2 ** 20;
    expect(files.filter((f) => f.endsWith('.zip'))).toEqual([]);
    expect(sizeMiB).toBeLessThan(2);
    // AND every asset is either staged in cdk.out or a file of an installed package
    const sources = files
      .filter((f) => f.endsWith('.assets.json'))
      .flatMap((f) =>
        Object.values(JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')).files as Record<string, { source: { path: string } }>),
      )
      .map(({ source }) => source.path)
      .filter((p) => !p.endsWith('.template.json'));
    const inPlace = [...new Set(sources.filter((p) => path.isAbsolute(p)))].map((p) => path.relative(ROOT, p)).sort();
    expect(inPlace).toEqual([
      'node_modules/@aws-cdk/asset-awscli-v1/lib/layer.zip',
      'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip',
      'node_modules/aws-cdk-lib/custom-resource-handlers/dist/aws-eks-v2/kubectl-handler',
      'node_modules/aws-cdk-lib/custom-resources/lib/provider-framework/runtime',
    ]);
    const staged = [...new Set(sources.filter((p) => !path.isAbsolute(p)))];
    // The lab's two handler directories and aws-cdk-lib's CfnJson handler, written to a temp directory at synth.
    expect(staged).toHaveLength(3);
    for (const asset of staged) expect(fs.statSync(path.join(outdir, asset)).isDirectory()).toBe(true);
    // AND no template carries an asset's local path (assetMetadata is off in cdk.json)
    for (const f of files.filter((f) => f.endsWith('.template.json'))) {
      expect([f, fs.readFileSync(path.join(outdir, f), 'utf8').includes('aws:asset:path')]).toEqual([f, false]);
    }
  });
});

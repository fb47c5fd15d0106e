import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecretWriter, SecretWriterProps } from '../lib/secret-writer';

const REPO = path.join(__dirname, '..');

function writerProps(stack: Stack, overrides: Partial<SecretWriterProps> = {}): SecretWriterProps {
  return {
    cluster: eks.Cluster.fromClusterAttributes(stack, 'Cluster', { clusterName: 'eks-oidc-demo' }),
    namespace: 'secret-injected',
    secretName: 'aws-static-keys',
    source: secretsmanager.Secret.fromSecretNameV2(stack, 'Source', 'static-keys'),
    ...overrides,
  };
}

describe('SecretWriter', () => {
  test.each([
    ['namespace', { namespace: 'Secret_Injected' }, /Invalid Kubernetes namespace 'Secret_Injected'.*lowercase letters, digits and '-'/],
    ['namespace', { namespace: 'a'.repeat(64) }, /Invalid Kubernetes namespace 'a{64}': use at most 63/],
    ['Secret name', { secretName: 'aws static keys' }, /Invalid Kubernetes Secret name 'aws static keys'/],
    ['Secret name', { secretName: '-keys' }, /starting and ending with a letter or digit/],
  ])('fails on a %s Kubernetes rejects', (_what, overrides, message) => {
    // GIVEN
    const stack = new Stack(new App(), 'Test', { env: { region: 'us-east-2' } });
    // WHEN / THEN
    expect(() => new SecretWriter(stack, 'Writer', writerProps(stack, overrides))).toThrow(message);
  });

  test('accepts a dotted Secret name, as Kubernetes does', () => {
    // GIVEN
    const stack = new Stack(new App(), 'Test', { env: { region: 'us-east-2' } });
    // WHEN / THEN
    expect(() => new SecretWriter(stack, 'Writer', writerProps(stack, { secretName: 'aws.static-keys' }))).not.toThrow();
  });

  test("its handler's offline tests pass: stdin only, nothing logged, retries, deletes", () => {
    // WHEN the handler's Python tests run with fakes for kubectl, the AWS CLI and Secrets Manager
    const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'test/cluster-handlers', '-p', 'test_*.py'], {
      cwd: REPO,
      // No __pycache__ may land next to the handler: it would change the asset.
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // THEN
    expect(result.error).toBeUndefined();
    expect({ status: result.status, output: result.stderr }).toEqual({
      status: 0,
      output: expect.stringMatching(/Ran \d+ tests[\s\S]*\nOK\n?$/),
    });
  });
});

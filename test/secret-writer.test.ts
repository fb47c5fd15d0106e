import { App, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { SecretWriter, SecretWriterProps } from '../lib/app/secret-writer';
import { expectPythonTestsPass } from './util';

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
    // WHEN / THEN the handler's Python tests pass with fakes for kubectl, the AWS CLI and Secrets Manager
    expectPythonTestsPass('test/cluster-handlers');
    // python3 starts and runs the suite: generous on a busy machine
  }, 120_000);
});

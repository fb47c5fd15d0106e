import { keysInEnv } from '../../../../lib/cli/rules/static-keys/keys-in-env';
import { healthySnapshot, modelOf, pod } from '../support/snapshot';

// The AWS documentation's example key pair (IAM User Guide, id_credentials_access-keys).
const EXAMPLE_ID = 'AKIAIOSFODNN7EXAMPLE';
const EXAMPLE_SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe(keysInEnv.id, () => {
  test('is silent when no pod has keys in env', () => {
    expect(keysInEnv.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names literal keys that win over IRSA, and never prints their values', () => {
    const snapshot = healthySnapshot();
    const reports = snapshot.pods.items[0];
    reports.spec.containers[0].env.push(
      { name: 'AWS_ACCESS_KEY_ID', value: EXAMPLE_ID },
      { name: 'AWS_SECRET_ACCESS_KEY', value: EXAMPLE_SECRET },
    );
    const found = keysInEnv.evaluate(modelOf(snapshot));
    expect(found).toEqual([
      expect.objectContaining({ subject: 'pod web/reports-7d9f', message: expect.stringMatching(/literal values .*they win over IRSA/) }),
    ]);
    expect(JSON.stringify(found)).not.toMatch(/AKIAIOSFODNN7EXAMPLE|wJalrXUtnFEMI/);
  });

  test('names keys from a Secret', () => {
    const snapshot = healthySnapshot();
    const ref = (key: string) => ({ name: key, valueFrom: { secretKeyRef: { name: 'aws-keys', key } } });
    snapshot.pods.items.push(pod('legacy', 'batch-1', 'default', [ref('AWS_ACCESS_KEY_ID'), ref('AWS_SECRET_ACCESS_KEY')]));
    expect(keysInEnv.evaluate(modelOf(snapshot))[0].message).toMatch(/from Secret aws-keys/);
  });

  test('names an access key id without its secret: the AWS CLI stops there instead of using the role', () => {
    const snapshot = healthySnapshot();
    snapshot.pods.items[0].spec.containers[0].env.push({ name: 'AWS_ACCESS_KEY_ID', value: EXAMPLE_ID });
    const found = keysInEnv.evaluate(modelOf(snapshot));
    expect(found).toEqual([
      expect.objectContaining({
        subject: 'pod web/reports-7d9f',
        field: 'env AWS_ACCESS_KEY_ID',
        message: expect.stringMatching(/sets AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY .*PartialCredentialsError/),
      }),
    ]);
    expect(JSON.stringify(found)).not.toMatch(/AKIAIOSFODNN7EXAMPLE/);
  });
});

import { keysInSecrets } from '../../../../lib/cli/rules/static-keys/keys-in-secrets';
import { healthySnapshot, modelOf } from '../support/snapshot';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe(keysInSecrets.id, () => {
  test('is silent for Secrets without access keys', () => {
    const snapshot = healthySnapshot();
    snapshot.secrets = { items: [{ metadata: { namespace: 'web', name: 'tls' }, data: { 'tls.key': b64('not a key') } }] };
    expect(keysInSecrets.evaluate(modelOf(snapshot))).toEqual([]);
  });

  test('names the key that holds an access key id, never the value', () => {
    const snapshot = healthySnapshot();
    // The AWS documentation's example key id (IAM User Guide, id_credentials_access-keys).
    snapshot.secrets = {
      items: [{ metadata: { namespace: 'legacy', name: 'aws-keys' }, data: { id: b64('AKIAIOSFODNN7EXAMPLE'), other: b64('x') } }],
    };
    const found = keysInSecrets.evaluate(modelOf(snapshot));
    expect(found).toEqual([expect.objectContaining({ subject: 'secret legacy/aws-keys', field: 'data id' })]);
    expect(JSON.stringify(found)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});

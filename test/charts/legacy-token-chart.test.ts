import { Testing } from 'cdk8s';
import { LegacyTokenChart } from '../../lib/app/charts/legacy-token-chart';
import { validateKubeObject } from '../kube-schema';

describe('LegacyTokenChart', () => {
  test('requests a legacy token Secret for the default service account, with no token in it', () => {
    // GIVEN / WHEN
    const chart = new LegacyTokenChart(Testing.app(), 'test', { namespace: 'node-role', secretName: 'legacy-default-token' });
    // THEN
    expect(Testing.synth(chart)).toMatchInlineSnapshot(`
      [
        {
          "apiVersion": "v1",
          "kind": "Secret",
          "metadata": {
            "annotations": {
              "kubernetes.io/service-account.name": "default",
            },
            "name": "legacy-default-token",
            "namespace": "node-role",
          },
          "type": "kubernetes.io/service-account-token",
        },
      ]
    `);
  });

  test('names another service account when asked, and is valid against the Kubernetes schema', () => {
    // GIVEN / WHEN
    const chart = new LegacyTokenChart(Testing.app(), 'test', { namespace: 'irsa', secretName: 'token', serviceAccount: 'eks-iam-test' });
    const [secret] = Testing.synth(chart);
    // THEN
    expect(secret.metadata.annotations).toEqual({ 'kubernetes.io/service-account.name': 'eks-iam-test' });
    expect(() => validateKubeObject(secret)).not.toThrow();
  });
});

import { Testing } from 'cdk8s';
import { IdentityChart } from '../../lib/app/charts/identity-chart';
import { IRSA_ROLE_ANNOTATION } from '../../lib/lab-names';
import { validateKubeObject } from '../kube-schema';

describe('IdentityChart', () => {
  test('with only a namespace, renders just the namespace', () => {
    const chart = new IdentityChart(Testing.app(), 'test', { namespace: 'node-role' });
    expect(Testing.synth(chart)).toMatchInlineSnapshot(`
      [
        {
          "apiVersion": "v1",
          "kind": "Namespace",
          "metadata": {
            "name": "node-role",
          },
        },
      ]
    `);
  });

  test('renders an annotated service account after its namespace', () => {
    const chart = new IdentityChart(Testing.app(), 'test', {
      namespace: 'irsa',
      serviceAccount: 'eks-iam-test',
      serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: 'arn:aws:iam::123456789012:role/example' },
    });
    const [namespace, serviceAccount] = Testing.synth(chart);
    expect(namespace.kind).toBe('Namespace');
    expect(serviceAccount).toEqual({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: {
        name: 'eks-iam-test',
        namespace: 'irsa',
        annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/example' },
      },
    });
  });

  test('every object it renders is valid against the Kubernetes schema', () => {
    const chart = new IdentityChart(Testing.app(), 'test', {
      namespace: 'irsa',
      serviceAccount: 'eks-iam-test',
      serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: 'arn:aws:iam::123456789012:role/example' },
    });
    const objects = Testing.synth(chart);
    expect(objects.map((o) => o.kind)).toEqual(['Namespace', 'ServiceAccount']);
    for (const object of objects) expect(() => validateKubeObject(object)).not.toThrow();
  });
});

describe('validateKubeObject', () => {
  test('fails on an object that breaks the schema', () => {
    expect(() => validateKubeObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 1 } } as never)).toThrow(
      /metadata\/name must be string/,
    );
  });

  test('fails on a kind it has no schema for', () => {
    expect(() => validateKubeObject({ apiVersion: 'apps/v1', kind: 'Deployment' })).toThrow(
      /No schema registered for apps\/v1\/Deployment/,
    );
  });
});

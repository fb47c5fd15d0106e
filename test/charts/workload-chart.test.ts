import { Testing } from 'cdk8s';
import { WorkloadChart } from '../../lib/app/charts/workload-chart';
import { validateKubeObject } from '../kube-schema';

const IMAGE = 'amazon/aws-cli:2.22.0';

describe('WorkloadChart', () => {
  test('the s3 ls pod is the post’s eks-iam-test1: amazon/aws-cli, s3 ls, restartPolicy Never', () => {
    const chart = new WorkloadChart(Testing.app(), 'test', { namespace: 'node-role', image: IMAGE, s3LsPod: 'eks-iam-test1' });
    expect(Testing.synth(chart)).toMatchInlineSnapshot(`
[
  {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
      "name": "eks-iam-test1",
      "namespace": "node-role",
    },
    "spec": {
      "containers": [
        {
          "args": [
            "s3",
            "ls",
          ],
          "image": "amazon/aws-cli:2.22.0",
          "name": "aws-cli",
          "resources": {
            "limits": {
              "memory": "256Mi",
            },
            "requests": {
              "cpu": "10m",
              "memory": "64Mi",
            },
          },
          "securityContext": {
            "allowPrivilegeEscalation": false,
            "capabilities": {
              "drop": [
                "ALL",
              ],
            },
          },
        },
      ],
      "restartPolicy": "Never",
      "serviceAccountName": "default",
    },
  },
]
`);
  });

  test('the sleep pod shares the service account and environment of the s3 ls pod', () => {
    const env = [{ name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'keys', key: 'AWS_ACCESS_KEY_ID' } } }];
    const chart = new WorkloadChart(Testing.app(), 'test', {
      namespace: 'irsa',
      image: IMAGE,
      s3LsPod: 'eks-iam-test3',
      sleepPod: 'eks-iam-test4',
      serviceAccount: 'eks-iam-test',
      env,
    });
    const [s3Ls, sleep] = Testing.synth(chart);
    expect(sleep.metadata).toEqual({ name: 'eks-iam-test4', namespace: 'irsa' });
    expect(sleep.spec.containers[0].command).toEqual(['sleep', 'infinity']);
    expect(sleep.spec.containers[0].args).toBeUndefined();
    for (const pod of [s3Ls, sleep]) {
      expect(pod.spec.serviceAccountName).toBe('eks-iam-test');
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.containers[0].env).toEqual(env);
    }
  });

  test('every object it renders is valid against the Kubernetes schema', () => {
    const chart = new WorkloadChart(Testing.app(), 'test', { namespace: 'irsa', image: IMAGE, s3LsPod: 'a', sleepPod: 'b' });
    const objects = Testing.synth(chart);
    expect(objects).toHaveLength(2);
    for (const object of objects) expect(() => validateKubeObject(object)).not.toThrow();
  });
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import { TOGGLES_METADATA_KEY } from '../lib/lab-names';
import { kubeObject, manifestApplying, synthesizedLab } from './util';

const NODE_ROLE_STACK = 'eks-oidc-demo-node-role';

describe('node-role scenario', () => {
  let template: Template;
  beforeAll(async () => {
    template = (await synthesizedLab()).templates[NODE_ROLE_STACK];
  });

  test('pod eks-iam-test1 runs `aws s3 ls` once, with no credentials of its own', () => {
    const pod = kubeObject(template, 'Pod', 'eks-iam-test1');
    expect(pod.metadata.namespace).toBe('node-role');
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.spec.containers).toHaveLength(1);
    const [container] = pod.spec.containers;
    expect(container.image).toBe('amazon/aws-cli:2.22.0');
    expect(container.args).toEqual(['s3', 'ls']);
    // Nothing in the container for the SDK to find: it falls back to IMDS.
    expect(container.env).toBeUndefined();
    expect(container.envFrom).toBeUndefined();
  });

  test('pod eks-iam-test2 sleeps, to show the default projected token', () => {
    const pod = kubeObject(template, 'Pod', 'eks-iam-test2');
    expect(pod.metadata.namespace).toBe('node-role');
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.containers[0].command).toEqual(['sleep', 'infinity']);
    expect(pod.spec.automountServiceAccountToken).not.toBe(false);
  });

  test('namespace node-role holds an explicitly requested legacy token for the default service account', () => {
    expect(kubeObject(template, 'Namespace', 'node-role')).toBeDefined();
    const token = kubeObject(template, 'Secret', 'legacy-default-token');
    expect(token).toMatchObject({
      type: 'kubernetes.io/service-account-token',
      metadata: { namespace: 'node-role', annotations: { 'kubernetes.io/service-account.name': 'default' } },
    });
    // The token controller fills it in; the template carries no token.
    expect(token.data).toBeUndefined();
    expect(token.stringData).toBeUndefined();
  });

  test('a bystander pod in another namespace shares the node, and so the node role', () => {
    const pod = kubeObject(template, 'Pod', 'eks-iam-bystander');
    expect(pod.metadata.namespace).toBe('bystander');
    expect(pod.spec.containers[0].args).toEqual(['s3', 'ls']);
  });

  test('the pods are applied after their namespace', () => {
    for (const [pod, namespace] of [
      ['eks-iam-test1', 'node-role'],
      ['eks-iam-bystander', 'bystander'],
    ]) {
      const pods = manifestApplying(template, 'Pod', pod);
      expect(pods.dependsOn).toContain(manifestApplying(template, 'Namespace', namespace).logicalId);
    }
  });

  test('by default the node role gets no S3 permission from the lab', () => {
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('records the toggles it was deployed with, for `lab verify`', () => {
    expect(template.toJSON().Metadata[TOGGLES_METADATA_KEY]).toEqual({ imds: 'open', nodeRoleS3Access: false });
  });
});

describe('node-role scenario with nodeRoleS3Access=true', () => {
  let template: Template;
  beforeAll(async () => {
    template = (await synthesizedLab({ context: { nodeRoleS3Access: 'true' } })).templates[NODE_ROLE_STACK];
  });

  test('grants only s3:ListAllMyBuckets, on the imported node role', () => {
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' }], Version: '2012-10-17' },
      Roles: [
        {
          'Fn::Select': [
            1,
            { 'Fn::Split': ['/', { 'Fn::Select': [5, { 'Fn::Split': [':', { 'Fn::ImportValue': 'eks-oidc-demo-NodeRoleArn' }] }] }] },
          ],
        },
      ],
    });
  });

  test('both the scenario pods and the bystander start after the grant', () => {
    const grant = Object.keys(template.findResources('AWS::IAM::Policy'))[0];
    expect(manifestApplying(template, 'Pod', 'eks-iam-test1').dependsOn).toContain(grant);
    expect(manifestApplying(template, 'Pod', 'eks-iam-bystander').dependsOn).toContain(grant);
  });

  test('records the toggle', () => {
    expect(template.toJSON().Metadata[TOGGLES_METADATA_KEY]).toEqual({ imds: 'open', nodeRoleS3Access: true });
  });
});

describe('node-role scenario with imds=locked', () => {
  test('keeps its pods as they are and records the lock', async () => {
    const template = (await synthesizedLab({ context: { imds: 'locked' } })).templates[NODE_ROLE_STACK];
    expect(template.toJSON().Metadata[TOGGLES_METADATA_KEY]).toEqual({ imds: 'locked', nodeRoleS3Access: false });
    expect(kubeObject(template, 'Pod', 'eks-iam-test1').spec.containers[0].args).toEqual(['s3', 'ls']);
    template.hasResourceProperties('Custom::AWSCDK-EKS-KubernetesResource', { ClusterName: 'eks-oidc-demo', Manifest: Match.anyValue() });
  });
});

import { Match, Template } from 'aws-cdk-lib/assertions';
import { DEFAULT_AWS_CLI_IMAGE } from '../lib/lab-config';
import { LAB_PODS_RESOURCE_TYPE, TOGGLES_METADATA_KEY } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { kubeObject, kubeObjects, logicalIdsOf, manifestApplying, synthesizedLab } from './util';

/** The policies the stack attaches to the cluster's node role, which it imports by its export. */
function nodeRoleGrants(template: Template): string[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, policy]) => JSON.stringify(policy.Properties.Roles ?? []).includes('eks-oidc-demo-NodeRoleArn'))
    .map(([logicalId]) => logicalId);
}

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
    expect(container.image).toBe(DEFAULT_AWS_CLI_IMAGE);
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
    expect(kubeObjects(template).filter((o) => o.kind === 'Namespace' && o.metadata.name === 'node-role')).toHaveLength(1);
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

  test('the legacy token Secret is applied only once the default service account exists', () => {
    // GIVEN the tokens controller deletes a token Secret whose service account does not exist yet
    const token = manifestApplying(template, 'Secret', 'legacy-default-token');
    const namespace = manifestApplying(template, 'Namespace', 'node-role');
    // THEN a wait for the default service account's uid stands between the namespace and the Secret
    const waits = template.findResources('Custom::AWSCDK-EKS-KubernetesObjectValue', {
      Properties: { ObjectType: 'serviceaccount', ObjectName: 'default', ObjectNamespace: 'node-role', JsonPath: '.metadata.uid' },
    });
    expect(Object.keys(waits)).toHaveLength(1);
    const [wait] = Object.keys(waits);
    expect(token.dependsOn).toContain(wait);
    expect(token.objects.map((o) => o.kind)).toEqual(['Secret']);
    expect(waits[wait].DependsOn).toContain(namespace.logicalId);
  });

  test('by default the node role gets no S3 permission from the lab', () => {
    expect(logicalIdsOf(template, 'AWS::IAM::Policy').length).toBeGreaterThan(0);
    expect(nodeRoleGrants(template)).toEqual([]);
  });

  test('both scenarios pods run again whenever a toggle changes', () => {
    template.resourcePropertiesCountIs(
      LAB_PODS_RESOURCE_TYPE,
      { [LabPodsProperty.RUN_WITH]: { imds: 'open', nodeRoleS3Access: 'false' } },
      2,
    );
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
    expect(nodeRoleGrants(template)).toHaveLength(1);
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
    const [grant] = nodeRoleGrants(template);
    expect(manifestApplying(template, 'Pod', 'eks-iam-test1').dependsOn).toContain(grant);
    expect(manifestApplying(template, 'Pod', 'eks-iam-bystander').dependsOn).toContain(grant);
  });

  test('records the toggle, and the pods run again under it', () => {
    expect(template.toJSON().Metadata[TOGGLES_METADATA_KEY]).toEqual({ imds: 'open', nodeRoleS3Access: true });
    template.resourcePropertiesCountIs(
      LAB_PODS_RESOURCE_TYPE,
      { [LabPodsProperty.RUN_WITH]: { imds: 'open', nodeRoleS3Access: 'true' } },
      2,
    );
  });
});

describe('node-role scenario with imds=locked', () => {
  test('keeps its pods as they are and records the lock', async () => {
    const template = (await synthesizedLab({ context: { imds: 'locked' } })).templates[NODE_ROLE_STACK];
    expect(template.toJSON().Metadata[TOGGLES_METADATA_KEY]).toEqual({ imds: 'locked', nodeRoleS3Access: false });
    expect(kubeObject(template, 'Pod', 'eks-iam-test1').spec.containers[0].args).toEqual(['s3', 'ls']);
    template.hasResourceProperties(LAB_PODS_RESOURCE_TYPE, {
      ClusterName: 'eks-oidc-demo',
      Manifest: Match.anyValue(),
      [LabPodsProperty.RUN_WITH]: { imds: 'locked', nodeRoleS3Access: 'false' },
    });
  });
});

import { HandlerTools } from '../cluster-handlers/run-handler';
import { CloudFormation, ResourceRequest } from './cloudformation';
import { LabCloud, customResourceEvent } from './lab-cloud';

// These requests never reach a handler process, so no tools are installed.
const NO_TOOLS = {} as HandlerTools;

function request(partial: Partial<ResourceRequest> & Pick<ResourceRequest, 'type' | 'properties'>): ResourceRequest {
  return { requestType: 'Create', stackName: 's', logicalId: 'R', rollback: false, ...partial };
}

const manifest = (...objects: Record<string, unknown>[]) => JSON.stringify(objects);
const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const serviceAccount = (ns: string, name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ServiceAccount',
  metadata: { name, namespace: ns, ...(annotations && { annotations }) },
});

/** An `AWS::EKS::PodIdentityAssociation`'s properties. */
const ASSOCIATION = {
  ClusterName: 'eks-oidc-demo',
  Namespace: 'pod-identity',
  ServiceAccount: 'eks-iam-test',
  RoleArn: 'arn:aws:iam::123456789012:role/r',
};

describe('what the lab resources do to the replayed cluster', () => {
  let cloud: LabCloud;
  beforeEach(async () => {
    cloud = await LabCloud.start(NO_TOOLS);
  });
  afterEach(async () => cloud.stop());

  test('the kubectl provider applies namespaces and service accounts, and its Update prunes what the new manifest dropped', async () => {
    // GIVEN a manifest with a namespace and an annotated service account
    const v1 = manifest(
      namespace('irsa'),
      serviceAccount('irsa', 'eks-iam-test', { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/r' }),
      serviceAccount('irsa', 'extra'),
    );
    await cloud.handle(request({ type: 'Custom::AWSCDK-EKS-KubernetesResource', properties: { Manifest: v1 } }));

    // WHEN an Update drops the annotation and one service account
    const v2 = manifest(namespace('irsa'), serviceAccount('irsa', 'eks-iam-test'));
    await cloud.handle(
      request({
        type: 'Custom::AWSCDK-EKS-KubernetesResource',
        requestType: 'Update',
        properties: { Manifest: v2 },
        oldProperties: { Manifest: v1 },
      }),
    );
    cloud.cluster.settle();

    // THEN the annotation and the pruned account are gone, and the namespace's default account came by itself
    const accounts = cloud.kubectlGet('serviceaccounts').items.filter((sa: any) => sa.metadata.namespace === 'irsa');
    expect(accounts.map((sa: any) => [sa.metadata.name, sa.metadata.annotations])).toEqual([
      ['default', undefined],
      ['eks-iam-test', undefined],
    ]);

    // WHEN it is deleted THEN its namespace goes, and everything in it
    await cloud.handle(request({ type: 'Custom::AWSCDK-EKS-KubernetesResource', requestType: 'Delete', properties: { Manifest: v2 } }));
    cloud.cluster.settle();
    expect(cloud.kubectlGet('serviceaccounts').items.filter((sa: any) => sa.metadata.namespace === 'irsa')).toEqual([]);
  });

  test('the object-value reader waits for the default service account, as the kubectl provider retries NotFound', async () => {
    await cloud.handle(
      request({ type: 'Custom::AWSCDK-EKS-KubernetesResource', properties: { Manifest: manifest(namespace('node-role')) } }),
    );
    const answer = await cloud.handle(
      request({
        type: 'Custom::AWSCDK-EKS-KubernetesObjectValue',
        properties: {
          ObjectType: 'serviceaccount',
          ObjectName: 'default',
          ObjectNamespace: 'node-role',
          JsonPath: '.metadata.uid',
          TimeoutSeconds: 300,
        },
      }),
    );
    expect(answer.attributes?.Value).toBe(cloud.cluster.get('serviceaccounts', 'node-role', 'default')?.metadata.uid);
  });

  test('a launch template update is a new version, and the node group that moves to it replaces the node', async () => {
    // GIVEN the cluster stack's launch template and node group
    const cfn = new CloudFormation(cloud.handle, { account: '123456789012', region: 'us-east-2' });
    const template = (hopLimit: number) => ({
      Resources: {
        Lt: {
          Type: 'AWS::EC2::LaunchTemplate',
          Properties: { LaunchTemplateData: { MetadataOptions: { HttpPutResponseHopLimit: hopLimit } } },
        },
        Ng: {
          Type: 'AWS::EKS::Nodegroup',
          Properties: { LaunchTemplate: { Id: { Ref: 'Lt' }, Version: { 'Fn::GetAtt': ['Lt', 'LatestVersionNumber'] } } },
        },
      },
    });
    await cfn.deploy('cluster', template(2));
    const node = cloud.cluster.nodeName;

    // WHEN the same template is deployed again, then another hop limit
    await cfn.deploy('cluster', template(2));
    const afterSame = cloud.cluster.nodeName;
    await cfn.deploy('cluster', template(1));

    // THEN only the change replaced the node
    expect(afterSame).toBe(node);
    expect(cloud.cluster.nodeName).not.toBe(node);
  });

  test('a Pod Identity association is created on the cluster, and deleted with its resource', async () => {
    const created = await cloud.handle(request({ type: 'AWS::EKS::PodIdentityAssociation', properties: ASSOCIATION }));
    expect(Object.values(cloud.cluster.podIdentityAssociations())).toEqual([
      { namespace: 'pod-identity', serviceAccount: 'eks-iam-test', roleArn: 'arn:aws:iam::123456789012:role/r' },
    ]);
    expect(created.physicalId).toMatch(/^arn:aws:eks:us-east-2:123456789012:podidentityassociation\/eks-oidc-demo\/a-/);
    await cloud.handle(
      request({ type: 'AWS::EKS::PodIdentityAssociation', requestType: 'Delete', physicalId: created.physicalId, properties: ASSOCIATION }),
    );
    expect(cloud.cluster.podIdentityAssociations()).toEqual({});
  });

  describe('time passes while CloudFormation works, one tick per resource along each chain of dependencies', () => {
    /** A stack of the association and `roles` more resources, each waiting for the next when `chained`. */
    function stack(roles: number, chained: boolean) {
      const role = (i: number) => ({
        Type: 'AWS::IAM::Role',
        Properties: {},
        ...(chained && i + 1 < roles && { DependsOn: [`Role${i + 1}`] }),
      });
      return {
        Resources: {
          Association: { Type: 'AWS::EKS::PodIdentityAssociation', Properties: ASSOCIATION, DependsOn: chained ? ['Role0'] : [] },
          ...Object.fromEntries(Array.from({ length: roles }, (_, i) => [`Role${i}`, role(i)])),
        },
      };
    }
    /** Whether a pod of the association's service account admitted now gets Pod Identity's credentials. */
    function admittedWithCredentials(): boolean {
      const pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'probe', namespace: 'pod-identity' },
        spec: { serviceAccountName: 'eks-iam-test', containers: [{ name: 'c', image: 'i' }] },
      };
      const env = cloud.cluster.createPod('pod-identity', pod, true).body.spec.containers[0].env ?? [];
      return env.some((e: { name: string }) => e.name === 'AWS_CONTAINER_CREDENTIALS_FULL_URI');
    }
    /** The association deployed, and long known to the webhook; then the stack destroyed. Returns the ticks the destroy took. */
    async function destroyAfterDeploy(roles: number, chained: boolean): Promise<number> {
      cloud.cluster.createNamespace('pod-identity');
      cloud.cluster.applyServiceAccount('pod-identity', 'eks-iam-test');
      const cfn = new CloudFormation(cloud.handle, { account: '123456789012', region: 'us-east-2' }, (ticks) =>
        cloud.cluster.advance(ticks),
      );
      await cfn.deploy('s', stack(roles, chained));
      cloud.cluster.advance(100);
      expect(admittedWithCredentials()).toBe(true);
      const ticks = cloud.cluster.ticks;
      await cfn.destroy('s');
      return cloud.cluster.ticks - ticks;
    }

    test('a destroy that deletes the association, then a chain of 11 roles, takes 12 ticks: the webhook has forgotten it', async () => {
      expect(await destroyAfterDeploy(11, true)).toBe(12);
      expect(admittedWithCredentials()).toBe(false);
    });

    test('eleven roles that wait for nothing are deleted with the association, in one tick: the webhook still answers from it', async () => {
      expect(await destroyAfterDeploy(11, false)).toBe(1);
      expect(admittedWithCredentials()).toBe(true);
    });
  });

  test('a Delete after a failed Create never reaches the handler: the provider framework answers it', async () => {
    // NO_TOOLS would throw if the handler were run.
    await expect(
      cloud.handle(request({ type: 'Custom::LabPods', requestType: 'Delete', properties: {}, rollback: true, afterFailedCreate: true })),
    ).resolves.toEqual({});
  });
});

test('a custom resource event carries every property as CloudFormation sends it: numbers and booleans as strings', () => {
  const event = customResourceEvent(
    request({
      type: 'Custom::LabPods',
      requestType: 'Update',
      physicalId: 'eks-oidc-demo/irsa/pods',
      properties: { WaitForInjection: { TimeoutSeconds: 120, Enabled: true }, RunOnce: ['eks-iam-test3'] },
      oldProperties: { WaitForInjection: { TimeoutSeconds: 60 } },
    }),
  );
  expect(event).toMatchObject({
    RequestType: 'Update',
    PhysicalResourceId: 'eks-oidc-demo/irsa/pods',
    ResourceType: 'Custom::LabPods',
    LogicalResourceId: 'R',
    ResourceProperties: { WaitForInjection: { TimeoutSeconds: '120', Enabled: 'true' }, RunOnce: ['eks-iam-test3'] },
    OldResourceProperties: { WaitForInjection: { TimeoutSeconds: '60' } },
  });
});

import { FakeApiServer } from './fake-api-server';
import { GONE_CLUSTER, HandlerTools, runHandler } from './run-handler';

const NAMESPACE = 'pod-identity';
const SERVICE_ACCOUNT = 'eks-iam-test';
const FULL_URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
const ASSOCIATION = 'EKS Pod Identity association arn:aws:eks:us-east-2:123456789012:podidentityassociation/eks-oidc-demo/a-1';

function pod(name: string, serviceAccountName = SERVICE_ACCOUNT): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: { serviceAccountName, restartPolicy: 'Never', containers: [{ name: 'aws-cli', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0' }] },
  };
}

const PODS = [pod('eks-iam-test7'), pod('eks-iam-test8')];

function event(
  requestType: 'Create' | 'Update' | 'Delete',
  options: {
    pods?: Record<string, any>[];
    oldPods?: Record<string, any>[];
    wait?: boolean;
    timeoutSeconds?: number;
    cluster?: string;
  } = {},
): Record<string, unknown> {
  const props = (pods: Record<string, any>[]) => ({
    ClusterName: options.cluster ?? 'eks-oidc-demo',
    Namespace: NAMESPACE,
    Manifest: JSON.stringify(pods),
    ...(options.wait === false
      ? {}
      : {
          WaitForInjection: {
            ServiceAccount: SERVICE_ACCOUNT,
            EnvVar: FULL_URI,
            Source: ASSOCIATION,
            Check: `aws eks list-pod-identity-associations --cluster-name eks-oidc-demo --namespace ${NAMESPACE}`,
            TimeoutSeconds: String(options.timeoutSeconds ?? 30),
          },
        }),
  });
  return {
    RequestType: requestType,
    ResourceProperties: props(options.pods ?? PODS),
    ...(options.oldPods ? { OldResourceProperties: props(options.oldPods) } : {}),
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` }),
  };
}

/** The webhook's mutation once the association is in effect. */
function injectContainerCredentials(admitted: Record<string, any>): Record<string, any> {
  for (const container of admitted.spec.containers) {
    container.env = [...(container.env ?? []), { name: FULL_URI, value: 'http://169.254.170.23/v1/credentials' }];
  }
  return admitted;
}

/** Polls are shortened to 50 ms; the waits' logic is unchanged. */
const FAST = { POLL_SECONDS: 0.05 };

describe('the lab pods handler, with the kubectl of its Lambda layer against a fake API server', () => {
  let tools: HandlerTools;
  let api: FakeApiServer;

  beforeAll(async () => {
    tools = await HandlerTools.install();
  });
  afterAll(() => tools.remove());
  beforeEach(async () => {
    api = await new FakeApiServer().start();
  });
  afterEach(async () => api.stop());

  test('waits until the webhook injects the association, then creates the pods', async () => {
    // GIVEN the association takes effect on the third admission
    let admissions = 0;
    api.admit = (admitted) => (++admissions >= 3 ? injectContainerCredentials(admitted) : admitted);
    // WHEN
    const { result, error, log } = await runHandler(tools, api.url, 'lab_pods', event('Create'), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(result).toEqual({ PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` });
    expect(api.dryRuns).toHaveLength(3);
    expect(api.dryRuns.map((p) => p.metadata.name)).toEqual(['eks-iam-test7', 'eks-iam-test7', 'eks-iam-test7']);
    expect(log).toContain(`${FULL_URI} is injected into pods of ${NAMESPACE}/${SERVICE_ACCOUNT} (dry run 3)`);
    // every real create comes after the last dry run, and each pod got the credentials
    const lastDryRun = api.requests.map((r) => r.includes('dryRun=All')).lastIndexOf(true);
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST') && !r.includes('dryRun'));
    expect(firstCreate).toBeGreaterThan(lastDryRun);
    expect(api.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test7', 'eks-iam-test8']);
    expect(api.created.every((p) => p.spec.containers[0].env.some((e: any) => e.name === FULL_URI))).toBe(true);
  });

  test('fails naming the association when the webhook never injects, and creates no pod', async () => {
    // GIVEN the association never takes effect
    // WHEN
    const { result, error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { timeoutSeconds: 1 }), FAST);
    // THEN
    expect(result).toBeUndefined();
    expect(error).toMatch(/^InjectionTimeout: /);
    expect(error).toContain(`${ASSOCIATION} is not in effect: after 1s`);
    expect(error).toContain(`pods of ${NAMESPACE}/${SERVICE_ACCOUNT} still get no ${FULL_URI}`);
    expect(error).toContain('aws eks list-pod-identity-associations --cluster-name eks-oidc-demo');
    expect(api.dryRuns.length).toBeGreaterThan(1);
    expect(api.created).toEqual([]);
  });

  test('without a wait, creates the pods at once, with no dry run', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.dryRuns).toEqual([]);
    expect(api.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test7', 'eks-iam-test8']);
  });

  test('an update deletes the pods, waits until they are gone, and creates them anew', async () => {
    // GIVEN the pods of the previous deploy, one already finished
    for (const existing of PODS) api.addPod(existing);
    const before = PODS.map((p) => api.pods.get(`${NAMESPACE}/${p.metadata.name}`)!.object.metadata.uid);
    api.terminatingReads = 2;
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false, oldPods: PODS }), FAST);
    // THEN
    expect(error).toBeUndefined();
    const deletes = api.requests.filter((r) => r.startsWith('DELETE'));
    expect(deletes).toEqual([
      `DELETE /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test7`,
      `DELETE /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test8`,
    ]);
    const lastRead = api.requests.map((r) => r.startsWith('GET /api/v1/namespaces/')).lastIndexOf(true);
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST'));
    expect(firstCreate).toBeGreaterThan(lastRead);
    const after = PODS.map((p) => api.pods.get(`${NAMESPACE}/${p.metadata.name}`)!.object.metadata.uid);
    expect(after.every((uid, i) => uid !== before[i])).toBe(true);
  });

  test('an update creates pods that went missing, as after a node replacement', async () => {
    // GIVEN the node was replaced and took the bare pods with it
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false, oldPods: PODS }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.podNames().sort()).toEqual([`${NAMESPACE}/eks-iam-test7`, `${NAMESPACE}/eks-iam-test8`]);
  });

  test('an update also deletes a pod the new manifest no longer lists', async () => {
    // GIVEN
    const retired = pod('eks-iam-retired');
    for (const existing of [...PODS, retired]) api.addPod(existing);
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false, oldPods: [...PODS, retired] }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.podNames().sort()).toEqual([`${NAMESPACE}/eks-iam-test7`, `${NAMESPACE}/eks-iam-test8`]);
  });

  test('fails when a deleted pod never goes, and names it', async () => {
    // GIVEN a pod stuck terminating
    api.addPod(PODS[0]);
    api.terminatingReads = 1_000;
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false, oldPods: PODS }), {
      ...FAST,
      DELETE_TIMEOUT_SECONDS: 1,
    });
    // THEN
    expect(error).toContain(`pod/eks-iam-test7 in namespace ${NAMESPACE} still terminating after 1s`);
    expect(api.created).toEqual([]);
  });

  test('a delete removes the pods', async () => {
    // GIVEN
    for (const existing of PODS) api.addPod(existing);
    api.terminatingReads = 0;
    // WHEN
    const { result, error } = await runHandler(tools, api.url, 'lab_pods', event('Delete'), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(result).toEqual({ PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` });
    expect(api.podNames()).toEqual([]);
    expect(api.dryRuns).toEqual([]);
  });

  test('a delete succeeds without a word to the API server when the cluster is gone', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Delete', { cluster: GONE_CLUSTER }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.requests).toEqual([]);
  });

  test('fails when no pod runs as the service account it waits for', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { pods: [pod('eks-iam-other', 'default')] }), FAST);
    // THEN
    expect(error).toContain(`No pod runs as service account '${SERVICE_ACCOUNT}'`);
    expect(api.created).toEqual([]);
  });
});

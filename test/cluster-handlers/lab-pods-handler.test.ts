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
    RunOnce: ['eks-iam-test7'],
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
    expect(api.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7']);
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
    expect(api.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7']);
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
    const gone = PODS.map((p) => api.requests.indexOf(`GONE ${NAMESPACE}/${p.metadata.name}`));
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST'));
    expect(Math.min(...gone)).toBeGreaterThan(-1);
    expect(firstCreate).toBeGreaterThan(Math.max(...gone));
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

  test('creates the pods that run once one at a time, each after the previous one ended, either way', async () => {
    // GIVEN two s3 ls pods, the first of which fails as the lesson wants
    const pods = [pod('eks-iam-test7'), pod('eks-iam-test8'), pod('eks-iam-test9')];
    api.finish = (p) => (p.metadata.name === 'eks-iam-test7' ? 'Failed' : 'Succeeded');
    const create = { ...event('Create', { pods, wait: false }) } as any;
    create.ResourceProperties.RunOnce = ['eks-iam-test7', 'eks-iam-test9'];
    // WHEN
    const { error, log } = await runHandler(tools, api.url, 'lab_pods', create, FAST);
    // THEN the sleeper first, then each run-once pod once the one before it has ended
    expect(error).toBeUndefined();
    expect(api.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7', 'eks-iam-test9']);
    const posts = api.requests.flatMap((r, i) => (r.startsWith('POST') ? [i] : []));
    const test7Reads = api.requests.flatMap((r, i) => (r === `GET /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test7` ? [i] : []));
    expect(test7Reads.length).toBeGreaterThanOrEqual(2);
    expect(posts[2]).toBeGreaterThan(Math.max(...test7Reads));
    expect(log).toContain(`${NAMESPACE}/eks-iam-test7 ended Failed.`);
    expect(log).toContain(`${NAMESPACE}/eks-iam-test9 ended Succeeded.`);
  });

  test('fails when a pod that runs once never ends, saying what holds it', async () => {
    // GIVEN the image cannot be pulled
    api.finish = (p) => {
      p.status = {
        phase: 'Pending',
        containerStatuses: [{ name: 'aws-cli', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }],
      };
      return undefined;
    };
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), {
      ...FAST,
      FINISH_TIMEOUT_SECONDS: 1,
    });
    // THEN
    expect(error).toContain(
      `${NAMESPACE}/eks-iam-test7 has not finished after 1s: phase Pending; container aws-cli waiting: ImagePullBackOff Back-off pulling image`,
    );
    expect(error).toContain(`kubectl -n ${NAMESPACE} describe pod eks-iam-test7`);
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

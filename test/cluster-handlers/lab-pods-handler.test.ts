import { FakeApiServer } from './fake-api-server';
import { FakeClusterOptions, KubeObject } from './fake-cluster';
import { GONE_CLUSTER, HANDLER_TEST_TIMEOUT_MS, HandlerTools, describeWithLayerKubectl, runHandler } from './run-handler';

jest.setTimeout(HANDLER_TEST_TIMEOUT_MS);

const NAMESPACE = 'pod-identity';
const SERVICE_ACCOUNT = 'eks-iam-test';
const FULL_URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI';
const ROLE = 'arn:aws:iam::123456789012:role/lab-pod-identity';
const ASSOCIATION = 'EKS Pod Identity association arn:aws:eks:us-east-2:123456789012:podidentityassociation/eks-oidc-demo/a-1';
const RUN_ONCE = ['eks-iam-test7'];

function pod(name: string, serviceAccountName = SERVICE_ACCOUNT): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NAMESPACE },
    spec: { serviceAccountName, restartPolicy: 'Never', containers: [{ name: 'aws-cli', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0' }] },
  };
}

const PODS = [pod('eks-iam-test7'), pod('eks-iam-test8')];

interface Props {
  pods?: KubeObject[];
  runWith?: Record<string, string>;
  wait?: boolean;
  timeoutSeconds?: number;
}

function props(options: Props, cluster = 'eks-oidc-demo'): KubeObject {
  return {
    ClusterName: cluster,
    Namespace: NAMESPACE,
    Manifest: JSON.stringify(options.pods ?? PODS),
    RunWith: options.runWith ?? { imds: 'open' },
    RunOnce: RUN_ONCE,
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
  };
}

/** An event as CloudFormation sends it: Update carries the old properties too. */
function event(requestType: 'Create' | 'Update' | 'Delete', now: Props = {}, old?: Props, cluster?: string): KubeObject {
  return {
    RequestType: requestType,
    ResourceProperties: props(now, cluster),
    ...(old ? { OldResourceProperties: props(old, cluster) } : {}),
    ...(requestType === 'Create' ? {} : { PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` }),
  };
}

const has = (p: KubeObject, name: string) => (p.spec.containers[0].env ?? []).some((e: KubeObject) => e.name === name);
/** Polls are shortened to 50 ms; the waits' logic is unchanged. */
const FAST = { POLL_SECONDS: 0.05 };

describeWithLayerKubectl('the lab pods handler, with the kubectl of its Lambda layer against the fake API server', () => {
  let tools: HandlerTools;
  let api: FakeApiServer;

  /** The sleeper runs on; the run-once pods end Succeeded. */
  const kubelet = (p: KubeObject) => (RUN_ONCE.includes(p.metadata.name) ? 'Succeeded' : undefined);

  /** The pods as the last deploy left them: created, then run and (for run-once ones) finished. */
  function lastDeployLeft(pods: KubeObject[]): Record<string, string> {
    for (const p of pods) expect(api.cluster.createPod(NAMESPACE, p, false).code).toBe(201);
    api.cluster.settle();
    return Object.fromEntries(pods.map((p) => [p.metadata.name, api.cluster.pod(NAMESPACE, p.metadata.name)!.metadata.uid]));
  }

  beforeAll(async () => {
    tools = await HandlerTools.install();
  });
  afterAll(() => tools.remove());
  /** A fresh cluster with the scenario's namespace and service account. */
  async function startCluster(options: FakeClusterOptions = {}): Promise<void> {
    await api?.stop();
    api = await new FakeApiServer(options).start();
    api.cluster.createNamespace(NAMESPACE);
    api.cluster.applyServiceAccount(NAMESPACE, SERVICE_ACCOUNT);
    api.cluster.finish = kubelet;
  }

  beforeEach(async () => startCluster());
  afterEach(async () => {
    expect(api.refused).toEqual([]);
    await api.stop();
  });

  test('waits until the webhook injects the association, then creates the pods', async () => {
    // GIVEN an association the webhook learns of two admissions late
    api.cluster.createPodIdentityAssociation({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, roleArn: ROLE });
    // WHEN
    const { result, error, log } = await runHandler(tools, api.url, 'lab_pods', event('Create'), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(result).toEqual({ PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` });
    expect(api.dryRuns.map((p) => has(p, FULL_URI))).toEqual([false, false, true]);
    expect(log).toContain(`${FULL_URI} is injected into pods of ${NAMESPACE}/${SERVICE_ACCOUNT} (dry run 3)`);
    // every real create comes after the last dry run, and each pod got the credentials
    const lastDryRun = api.requests.map((r) => r.includes('dryRun=All')).lastIndexOf(true);
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST') && !r.includes('dryRun'));
    expect(firstCreate).toBeGreaterThan(lastDryRun);
    expect(api.cluster.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7']);
    expect(api.cluster.created.every((p) => has(p, FULL_URI))).toBe(true);
  });

  test('a gated update runs against the finished pods of the last deploy', async () => {
    // GIVEN the last deploy's pods, the s3 ls pod finished, under an association in effect
    api.cluster.createPodIdentityAssociation({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, roleArn: ROLE });
    api.cluster.advance(3);
    const before = lastDeployLeft(PODS);
    expect(api.cluster.pod(NAMESPACE, 'eks-iam-test7')!.status.phase).toBe('Succeeded');
    // WHEN a toggle changes
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { runWith: { imds: 'locked' } }, {}), FAST);
    // THEN the gate's dry runs met no AlreadyExists, and both pods are new
    expect(error).toBeUndefined();
    expect(api.answers.filter((a) => a.request.includes('dryRun=All')).map((a) => a.code)).toEqual(expect.arrayContaining([201]));
    expect(api.answers.filter((a) => a.code === 409)).toEqual([]);
    for (const p of PODS) expect(api.cluster.pod(NAMESPACE, p.metadata.name)!.metadata.uid).not.toBe(before[p.metadata.name]);
  });

  test('a rollback-shaped update, the old properties back, runs against the pods the failed update left', async () => {
    // GIVEN the failed update's sleeper running and its s3 ls pod finished
    api.cluster.createPodIdentityAssociation({ namespace: NAMESPACE, serviceAccount: SERVICE_ACCOUNT, roleArn: ROLE });
    api.cluster.advance(3);
    lastDeployLeft(PODS);
    const seeded = api.cluster.created.length;
    // WHEN CloudFormation sends the Update that rolls back: the old properties now, the new ones as old
    const rollback = event('Update', { runWith: { imds: 'open' } }, { runWith: { imds: 'locked' } });
    const { error } = await runHandler(tools, api.url, 'lab_pods', rollback, FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.answers.filter((a) => a.code === 409)).toEqual([]);
    expect(api.cluster.created.slice(seeded).map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7']);
  });

  test('fails naming the association when the webhook never injects, and creates no pod', async () => {
    // GIVEN no association
    // WHEN
    const { result, error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { timeoutSeconds: 8 }), FAST);
    // THEN
    expect(result).toBeUndefined();
    expect(error).toMatch(/^InjectionTimeout: /);
    expect(error).toContain(`${ASSOCIATION} is not in effect: after 8s`);
    expect(error).toContain(`pods of ${NAMESPACE}/${SERVICE_ACCOUNT} still get no ${FULL_URI}`);
    expect(error).toContain('aws eks list-pod-identity-associations --cluster-name eks-oidc-demo');
    expect(api.cluster.created).toEqual([]);
  });

  test('without a wait, creates the pods at once, with no dry run', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.dryRuns).toEqual([]);
    expect(api.cluster.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7']);
  });

  test('an update deletes the pods, waits until they are gone, and creates them anew', async () => {
    // GIVEN the pods of the previous deploy: the sleeper running, the s3 ls pod finished; a deleted
    // running pod stays terminating for longer than the handler's first few requests
    await startCluster({ terminatingTicks: 8 });
    const before = lastDeployLeft(PODS);
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false }, { wait: false }), FAST);
    // THEN the running sleeper was seen terminating, and no pod was created before both were gone
    expect(error).toBeUndefined();
    const deletes = api.requests.filter((r) => r.startsWith('DELETE'));
    expect(deletes).toEqual([
      `DELETE /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test7`,
      `DELETE /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test8`,
    ]);
    const sleeperReads = api.answers.flatMap((a, i) =>
      a.request === `GET /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test8` ? [[i, a.code]] : [],
    );
    expect(sleeperReads.map(([, code]) => code)).toContain(200);
    const goneAt = sleeperReads.find(([, code]) => code === 404)![0];
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST'));
    expect(firstCreate).toBeGreaterThan(goneAt);
    for (const p of PODS) expect(api.cluster.pod(NAMESPACE, p.metadata.name)!.metadata.uid).not.toBe(before[p.metadata.name]);
  });

  test('a create where none of the pods is there deletes nothing, so reads nothing back before creating them', async () => {
    // WHEN
    const { error, log } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), FAST);
    // THEN one DELETE per pod, each answered NotFound, then the creates: no read of a pod in between
    expect(error).toBeUndefined();
    const firstCreate = api.requests.findIndex((r) => r.startsWith('POST'));
    const podRequests = api.answers.slice(0, firstCreate).filter((a) => a.request.includes(`/namespaces/${NAMESPACE}/pods/`));
    expect(podRequests.map((a) => [a.request.split(' ')[0], a.code])).toEqual([
      ['DELETE', 404],
      ['DELETE', 404],
    ]);
    const verbs = log
      .split('\n')
      .filter((line) => line.startsWith('Running: kubectl '))
      .map((line) => line.split(' ')[5]);
    expect(verbs.slice(0, verbs.indexOf('create') + 1)).toEqual(['delete', 'create']);
  });

  test('an update creates pods that went missing, as after a node replacement', async () => {
    // GIVEN the node was replaced and took the bare pods with it
    lastDeployLeft(PODS);
    api.cluster.replaceNode();
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false }, { wait: false }), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.cluster.list('pods', NAMESPACE).map((p) => p.metadata.name)).toEqual(['eks-iam-test7', 'eks-iam-test8']);
  });

  test('an update also deletes a pod the new manifest no longer lists', async () => {
    // GIVEN
    const retired = pod('eks-iam-retired');
    lastDeployLeft([...PODS, retired]);
    // WHEN
    const { error } = await runHandler(
      tools,
      api.url,
      'lab_pods',
      event('Update', { wait: false }, { wait: false, pods: [...PODS, retired] }),
      FAST,
    );
    // THEN
    expect(error).toBeUndefined();
    expect(api.cluster.list('pods', NAMESPACE).map((p) => p.metadata.name)).toEqual(['eks-iam-test7', 'eks-iam-test8']);
  });

  test('fails when a deleted pod never goes, and names it', async () => {
    // GIVEN a running pod that stays terminating far longer than the handler waits
    await startCluster({ terminatingTicks: 100_000 });
    api.cluster.finish = () => undefined;
    lastDeployLeft([PODS[0]]);
    const seeded = api.cluster.created.length;
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Update', { wait: false }, { wait: false }), {
      ...FAST,
      DELETE_TIMEOUT_SECONDS: 8,
    });
    // THEN
    expect(error).toContain(`pod/eks-iam-test7 in namespace ${NAMESPACE} still terminating after 8s`);
    expect(api.cluster.created.slice(seeded)).toEqual([]);
  });

  test('creates the pods that run once one at a time, each after the previous one ended, either way', async () => {
    // GIVEN two s3 ls pods, the first of which fails as the lesson wants
    const pods = [pod('eks-iam-test7'), pod('eks-iam-test8'), pod('eks-iam-test9')];
    api.cluster.finish = (p) =>
      p.metadata.name === 'eks-iam-test7' ? 'Failed' : p.metadata.name === 'eks-iam-test9' ? 'Succeeded' : undefined;
    const create = event('Create', { pods, wait: false });
    create.ResourceProperties.RunOnce = ['eks-iam-test7', 'eks-iam-test9'];
    // WHEN
    const { error, log } = await runHandler(tools, api.url, 'lab_pods', create, FAST);
    // THEN the sleeper first, then each run-once pod once the one before it has ended
    expect(error).toBeUndefined();
    expect(api.cluster.created.map((p) => p.metadata.name)).toEqual(['eks-iam-test8', 'eks-iam-test7', 'eks-iam-test9']);
    const posts = api.requests.flatMap((r, i) => (r.startsWith('POST') ? [i] : []));
    const test7Reads = api.requests.flatMap((r, i) => (r === `GET /api/v1/namespaces/${NAMESPACE}/pods/eks-iam-test7` ? [i] : []));
    expect(test7Reads.length).toBeGreaterThanOrEqual(2);
    expect(posts[2]).toBeGreaterThan(Math.max(...test7Reads));
    expect(log).toContain(`${NAMESPACE}/eks-iam-test7 ended Failed.`);
    expect(log).toContain(`${NAMESPACE}/eks-iam-test9 ended Succeeded.`);
  });

  test('fails when a pod that runs once never ends, saying what holds it', async () => {
    // GIVEN the image cannot be pulled, which the kubelet reports as soon as the pod is bound
    await startCluster({ startTicks: 0 });
    api.cluster.start = (p) => {
      p.status = {
        ...p.status,
        containerStatuses: [{ name: 'aws-cli', state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image' } } }],
      };
      return false;
    };
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), {
      ...FAST,
      FINISH_TIMEOUT_SECONDS: 8,
    });
    // THEN
    expect(error).toContain(
      `${NAMESPACE}/eks-iam-test7 has not finished after 8s: phase Pending; container aws-cli waiting: ImagePullBackOff Back-off pulling image`,
    );
    expect(error).toContain(`kubectl -n ${NAMESPACE} describe pod eks-iam-test7`);
  });

  test('a delete removes the pods', async () => {
    // GIVEN
    lastDeployLeft(PODS);
    // WHEN
    const { result, error } = await runHandler(tools, api.url, 'lab_pods', event('Delete'), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(result).toEqual({ PhysicalResourceId: `eks-oidc-demo/${NAMESPACE}/pods` });
    expect(api.cluster.list('pods', NAMESPACE)).toEqual([]);
    expect(api.dryRuns).toEqual([]);
  });

  test('a delete succeeds without a word to the API server when the cluster is gone', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Delete', {}, undefined, GONE_CLUSTER), FAST);
    // THEN
    expect(error).toBeUndefined();
    expect(api.requests).toEqual([]);
  });

  test('fails when no pod runs as the service account it waits for', async () => {
    // WHEN
    const { error } = await runHandler(tools, api.url, 'lab_pods', event('Create', { pods: [pod('eks-iam-other', 'default')] }), FAST);
    // THEN
    expect(error).toContain(`No pod runs as service account '${SERVICE_ACCOUNT}'`);
    expect(api.cluster.created).toEqual([]);
  });

  test('every kubectl call carries a request timeout', async () => {
    // WHEN
    const { error, log } = await runHandler(tools, api.url, 'lab_pods', event('Create', { wait: false }), FAST);
    // THEN
    expect(error).toBeUndefined();
    const kubectlCalls = log.split('\n').filter((line) => line.startsWith('Running: kubectl '));
    expect(kubectlCalls.length).toBeGreaterThan(0);
    for (const call of kubectlCalls) expect(call).toMatch(/ --request-timeout=\d+s /);
  });
});

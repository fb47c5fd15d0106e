import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FakeApiServer } from './fake-api-server';
import { KubeObject, TOO_MANY_PODS } from './fake-cluster';
import { HANDLER_TEST_TIMEOUT_MS, HandlerTools, describeWithLayerKubectl } from './run-handler';

const NS = 'pod-identity';
const SA = 'eks-iam-test';
const ROLE = 'arn:aws:iam::123456789012:role/lab-pod-identity';
const IRSA_ROLE = 'arn:aws:iam::123456789012:role/lab-irsa';

function pod(name: string, serviceAccountName = SA, extra: KubeObject = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...extra },
    spec: {
      ...(serviceAccountName && { serviceAccountName }),
      restartPolicy: 'Never',
      containers: [{ name: 'aws-cli', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0' }],
    },
  };
}

/** One HTTP request to the fake, as a client would send it. */
async function call(api: FakeApiServer, method: string, path: string, body?: KubeObject): Promise<{ code: number; body: KubeObject }> {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body && { body: JSON.stringify(body) }),
  });
  return { code: res.status, body: (await res.json()) as KubeObject };
}

const create = (api: FakeApiServer, p: KubeObject, namespace = NS) => call(api, 'POST', `/api/v1/namespaces/${namespace}/pods`, p);
const dryRun = (api: FakeApiServer, p: KubeObject, namespace = NS) =>
  call(api, 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, p);
const get = (api: FakeApiServer, name: string, namespace = NS) => call(api, 'GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
const remove = (api: FakeApiServer, name: string, gracePeriodSeconds = 1) =>
  call(api, 'DELETE', `/api/v1/namespaces/${NS}/pods/${name}`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds });
const envNames = (p: KubeObject): string[] => p.spec.containers[0].env?.map((e: KubeObject) => e.name) ?? [];

describe('the fake Kubernetes API server', () => {
  let api: FakeApiServer;
  beforeEach(async () => {
    api = await new FakeApiServer({ daemonSets: [] }).start();
    api.cluster.createNamespace(NS);
    api.cluster.applyServiceAccount(NS, SA);
  });
  afterEach(async () => api.stop());

  describe('create', () => {
    test('answers 409 AlreadyExists to a create, and to a dry run, while a pod of that name exists', async () => {
      // GIVEN a pod that ran and finished, as the last deploy left it
      expect((await create(api, pod('eks-iam-test7'))).code).toBe(201);
      api.cluster.settle();
      expect((await get(api, 'eks-iam-test7')).body.status.phase).toBe('Succeeded');
      // WHEN / THEN
      for (const attempt of [create, dryRun]) {
        const { code, body } = await attempt(api, pod('eks-iam-test7'));
        expect({ code, reason: body.reason, message: body.message }).toEqual({
          code: 409,
          reason: 'AlreadyExists',
          message: 'pods "eks-iam-test7" already exists',
        });
      }
    });

    test('answers 409 to a dry run while a pod of that name is terminating', async () => {
      // GIVEN a running pod, deleted
      api.cluster.finish = () => undefined;
      await create(api, pod('eks-iam-test8'));
      api.cluster.settle();
      await remove(api, 'eks-iam-test8');
      expect((await get(api, 'eks-iam-test8')).body.metadata.deletionTimestamp).toBeDefined();
      // WHEN
      const { code } = await dryRun(api, pod('eks-iam-test8'));
      // THEN
      expect(code).toBe(409);
    });

    test('a dry run stores nothing, and a generateName never collides', async () => {
      // GIVEN
      await create(api, pod('eks-iam-test7'));
      // WHEN
      const { code, body } = await dryRun(api, pod('', SA, { generateName: 'eks-iam-test7-' }));
      // THEN
      expect(code).toBe(201);
      expect(body.metadata.name).toMatch(/^eks-iam-test7-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect((await get(api, body.metadata.name)).code).toBe(404);
      expect(api.cluster.list('pods', NS).map((p) => p.metadata.name)).toEqual(['eks-iam-test7']);
    });

    test('fails with 422 when a pod has neither name nor generateName', async () => {
      const { code, body } = await dryRun(api, pod(''));
      expect({ code, message: body.message }).toEqual({
        code: 422,
        message: 'Pod "" is invalid: metadata.name: Required value: name or generateName is required',
      });
    });

    test('fails with 404 in a namespace that does not exist', async () => {
      const { code, body } = await create(api, pod('eks-iam-test7'), 'nowhere');
      expect({ code, message: body.message }).toEqual({ code: 404, message: 'namespaces "nowhere" not found' });
    });

    test('fails with 403 while the service account does not exist', async () => {
      const { code, body } = await create(api, pod('eks-iam-test7', 'missing'));
      expect({ code, message: body.message }).toEqual({
        code: 403,
        message: `pods "eks-iam-test7" is forbidden: error looking up service account ${NS}/missing: serviceaccount "missing" not found`,
      });
    });
  });

  describe('delete', () => {
    test('a running pod goes through terminating: deletionTimestamp set, still readable, then gone', async () => {
      // GIVEN
      api.cluster.finish = () => undefined;
      await create(api, pod('eks-iam-test8'));
      api.cluster.settle();
      expect((await get(api, 'eks-iam-test8')).body.status.phase).toBe('Running');
      // WHEN
      expect((await remove(api, 'eks-iam-test8')).code).toBe(200);
      // THEN
      const terminating = await get(api, 'eks-iam-test8');
      expect(terminating.code).toBe(200);
      expect(terminating.body.metadata).toEqual(
        expect.objectContaining({ deletionTimestamp: expect.any(String), deletionGracePeriodSeconds: 1 }),
      );
      api.cluster.settle();
      expect((await get(api, 'eks-iam-test8')).code).toBe(404);
    });

    test('a finished pod is deleted at once', async () => {
      // GIVEN
      await create(api, pod('eks-iam-test7'));
      api.cluster.settle();
      // WHEN
      await remove(api, 'eks-iam-test7');
      // THEN
      expect((await get(api, 'eks-iam-test7')).code).toBe(404);
    });

    test('a missing pod is 404 NotFound', async () => {
      const { code, body } = await remove(api, 'eks-iam-none');
      expect({ code, reason: body.reason }).toEqual({ code: 404, reason: 'NotFound' });
    });
  });

  describe('the kubelet and the node', () => {
    test('finished pods stay, Succeeded or Failed, until deleted', async () => {
      // GIVEN
      api.cluster.finish = (p) => (p.metadata.name === 'eks-iam-test1' ? 'Failed' : 'Succeeded');
      await create(api, pod('eks-iam-test1'));
      await create(api, pod('eks-iam-test3'));
      // WHEN a long time passes
      api.cluster.settle();
      api.cluster.advance(500);
      // THEN
      expect(api.cluster.kubectlGet('pods').items.map((p: KubeObject) => [p.metadata.name, p.status.phase])).toEqual([
        ['eks-iam-test1', 'Failed'],
        ['eks-iam-test3', 'Succeeded'],
      ]);
    });

    test('bare pods go with a replaced node and never come back; DaemonSet pods do', async () => {
      // GIVEN a node with a DaemonSet pod and a lab pod
      await api.stop();
      api = await new FakeApiServer({ daemonSets: ['kube-system/aws-node'] }).start();
      api.cluster.createNamespace(NS);
      api.cluster.applyServiceAccount(NS, SA);
      api.cluster.finish = () => undefined;
      await create(api, pod('eks-iam-test8'));
      api.cluster.settle();
      const before = api.cluster.nodeName;
      // WHEN
      api.cluster.replaceNode();
      api.cluster.settle();
      // THEN
      const pods = api.cluster.kubectlGet('pods').items;
      expect(pods.map((p: KubeObject) => [p.metadata.namespace, p.metadata.name.replace(/-[^-]{5}$/, ''), p.spec.nodeName])).toEqual([
        ['kube-system', 'aws-node', api.cluster.nodeName],
      ]);
      expect(api.cluster.nodeName).not.toBe(before);
    });

    test('admits at most maxPods; a pod over capacity stays Pending with the scheduler’s reason; finished pods do not count', async () => {
      // GIVEN a node with room for two pods, one of them taken by a DaemonSet pod
      await api.stop();
      api = await new FakeApiServer({ maxPods: 2, daemonSets: ['kube-system/aws-node'] }).start();
      api.cluster.createNamespace(NS);
      api.cluster.applyServiceAccount(NS, SA);
      api.cluster.finish = (p) => (p.metadata.name === 'eks-iam-sleeper' ? undefined : 'Succeeded');
      await create(api, pod('eks-iam-sleeper'));
      api.cluster.settle();
      // WHEN
      await create(api, pod('eks-iam-test7'));
      api.cluster.settle();
      // THEN it waits, as `kubectl describe pod` would show it
      const waiting = (await get(api, 'eks-iam-test7')).body;
      expect(waiting.status.phase).toBe('Pending');
      expect(waiting.status.conditions).toEqual([
        expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: TOO_MANY_PODS }),
      ]);
      // WHEN the sleeper goes, the pod runs and ends; a finished pod leaves its slot
      await remove(api, 'eks-iam-sleeper');
      api.cluster.settle();
      expect((await get(api, 'eks-iam-test7')).body.status.phase).toBe('Succeeded');
      expect(api.cluster.slotsInUse()).toBe(1);
      await create(api, pod('eks-iam-test9'));
      api.cluster.settle();
      expect((await get(api, 'eks-iam-test9')).body.status.phase).toBe('Succeeded');
    });
  });

  describe('the pod-identity webhook', () => {
    test('injects Pod Identity only once the association is in effect, a few admissions later', async () => {
      // GIVEN
      api.cluster.createPodIdentityAssociation({ namespace: NS, serviceAccount: SA, roleArn: ROLE });
      // WHEN the gate's dry runs come one after another
      const injected = [];
      for (let i = 0; i < 4; i++) injected.push(envNames((await dryRun(api, pod('', SA, { generateName: 'probe-' }))).body));
      // THEN the first two still see nothing
      expect(injected.map((names) => names.includes('AWS_CONTAINER_CREDENTIALS_FULL_URI'))).toEqual([false, false, true, true]);
    });

    test('learns of a change as time passes too, with no pod admitted meanwhile', async () => {
      // GIVEN an association that was in effect, then deleted
      api.cluster.createPodIdentityAssociation({ namespace: NS, serviceAccount: SA, roleArn: ROLE });
      api.cluster.advance(12);
      expect(envNames((await dryRun(api, pod('', SA, { generateName: 'probe-' }))).body)).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
      const [id] = Object.keys(api.cluster.podIdentityAssociations());
      api.cluster.deletePodIdentityAssociation(id);
      // WHEN the webhook's informer has had time to catch up, though no pod came in between
      api.cluster.advance(12);
      // THEN the next pod gets nothing
      expect(envNames((await dryRun(api, pod('', SA, { generateName: 'probe-' }))).body)).not.toContain(
        'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      );
    });

    test('injects the full URI, the token file and its projected volume for Pod Identity', async () => {
      // GIVEN
      api.cluster.createPodIdentityAssociation({ namespace: NS, serviceAccount: SA, roleArn: ROLE });
      api.cluster.advance();
      await dryRun(api, pod('', SA, { generateName: 'probe-' }));
      await dryRun(api, pod('', SA, { generateName: 'probe-' }));
      // WHEN
      const { body } = await create(api, pod('eks-iam-test7'));
      // THEN
      const container = body.spec.containers[0];
      expect(container.env).toEqual([
        { name: 'AWS_DEFAULT_REGION', value: 'us-east-2' },
        { name: 'AWS_REGION', value: 'us-east-2' },
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
        {
          name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
          value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
        },
      ]);
      expect(container.volumeMounts).toEqual([
        { name: 'eks-pod-identity-token', readOnly: true, mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount' },
      ]);
      expect(body.spec.volumes[0].projected.sources[0].serviceAccountToken.audience).toBe('pods.eks.amazonaws.com');
      expect(body.metadata.labels).toEqual({ 'eks.amazonaws.com/pod-identity': 'enabled' });
    });

    test('injects IRSA from the role annotation: role ARN, web identity token file and its volume', async () => {
      // GIVEN
      api.cluster.applyServiceAccount(NS, SA, { 'eks.amazonaws.com/role-arn': IRSA_ROLE });
      for (let i = 0; i < 2; i++) await dryRun(api, pod('', SA, { generateName: 'probe-' }));
      // WHEN
      const { body } = await create(api, pod('eks-iam-test3'));
      // THEN
      expect(body.spec.containers[0].env).toEqual([
        { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
        { name: 'AWS_DEFAULT_REGION', value: 'us-east-2' },
        { name: 'AWS_REGION', value: 'us-east-2' },
        { name: 'AWS_ROLE_ARN', value: IRSA_ROLE },
        { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
      ]);
      expect(body.spec.volumes[0]).toEqual({
        name: 'aws-iam-token',
        projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] },
      });
    });

    test('gives Pod Identity precedence over IRSA on one service account', async () => {
      // GIVEN both
      api.cluster.applyServiceAccount(NS, SA, { 'eks.amazonaws.com/role-arn': IRSA_ROLE });
      api.cluster.createPodIdentityAssociation({ namespace: NS, serviceAccount: SA, roleArn: ROLE });
      for (let i = 0; i < 2; i++) await dryRun(api, pod('', SA, { generateName: 'probe-' }));
      // WHEN
      const { body } = await create(api, pod('eks-iam-precedence'));
      // THEN
      expect(envNames(body)).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
      expect(envNames(body)).not.toContain('AWS_ROLE_ARN');
    });

    test('mutates on CREATE only: a pod created before the association never gets it', async () => {
      // GIVEN a pod created too early
      api.cluster.finish = () => undefined;
      await create(api, pod('eks-iam-test8'));
      // WHEN the association comes, and takes effect
      api.cluster.createPodIdentityAssociation({ namespace: NS, serviceAccount: SA, roleArn: ROLE });
      for (let i = 0; i < 3; i++) await dryRun(api, pod('', SA, { generateName: 'probe-' }));
      api.cluster.settle();
      // THEN the running pod is as it was, while a dry run now gets it
      expect(envNames((await get(api, 'eks-iam-test8')).body)).toEqual([]);
      expect(api.dryRuns.at(-1)!.spec.containers[0].env.map((e: KubeObject) => e.name)).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    });
  });

  describe('the service account controller', () => {
    test('the default service account appears after its namespace, not at once', async () => {
      // GIVEN
      api.cluster.createNamespace('node-role');
      // WHEN a pod comes at once
      const early = await create(api, pod('eks-iam-test1', ''), 'node-role');
      // THEN
      expect({ code: early.code, message: early.body.message }).toEqual({
        code: 403,
        message:
          'pods "eks-iam-test1" is forbidden: error looking up service account node-role/default: serviceaccount "default" not found',
      });
      // WHEN it comes a little later
      api.cluster.advance(2);
      const later = await create(api, pod('eks-iam-test1', ''), 'node-role');
      // THEN it runs as default
      expect(later.code).toBe(201);
      expect(later.body.spec.serviceAccountName).toBe('default');
    });
  });

  describe('namespaces', () => {
    test('a deleted namespace refuses new pods while its pods go, then is gone', async () => {
      // GIVEN a running pod in it
      api.cluster.finish = () => undefined;
      await create(api, pod('eks-iam-test8'));
      api.cluster.settle();
      // WHEN
      api.cluster.deleteNamespace(NS);
      // THEN
      const refused = await create(api, pod('eks-iam-test9'));
      expect({ code: refused.code, message: refused.body.message }).toEqual({
        code: 403,
        message: `pods "eks-iam-test9" is forbidden: unable to create new content in namespace ${NS} because it is being terminated`,
      });
      expect((await call(api, 'GET', `/api/v1/namespaces/${NS}`)).body.status.phase).toBe('Terminating');
      api.cluster.settle();
      expect((await call(api, 'GET', `/api/v1/namespaces/${NS}`)).code).toBe(404);
      expect(api.cluster.kubectlGet('pods').items).toEqual([]);
    });
  });

  describe('what it does not model', () => {
    test.each([
      ['GET', '/api/v1/namespaces/pod-identity/secrets'],
      ['PUT', `/api/v1/namespaces/${NS}/pods/eks-iam-test7`],
      ['GET', `/api/v1/namespaces/${NS}/pods?watch=true`],
      ['POST', `/api/v1/namespaces/${NS}/pods?dryRun=Bogus`],
      ['DELETE', `/api/v1/namespaces/${NS}/serviceaccounts/${SA}`],
    ])('refuses %s %s with an error naming the request', async (method, path) => {
      // WHEN
      const { code, body } = await call(api, method, path, method === 'GET' ? undefined : pod('x'));
      // THEN
      expect(code).toBe(501);
      expect(body.message).toBe(`the fake API server does not model ${method} ${path}`);
      expect(api.refused).toEqual([`${method} ${path}`]);
    });
  });

  describe('its state, read as kubectl prints it', () => {
    test('kubectl get pods,serviceaccounts -A -o json, over HTTP and from the model alike', async () => {
      // GIVEN
      api.cluster.settle();
      await create(api, pod('eks-iam-test7'));
      // WHEN
      const pods = api.cluster.kubectlGet('pods');
      const accounts = api.cluster.kubectlGet('serviceaccounts');
      const listed = (await call(api, 'GET', '/api/v1/pods?limit=500')).body;
      // THEN
      expect(pods).toEqual({
        apiVersion: 'v1',
        kind: 'List',
        metadata: { resourceVersion: '' },
        items: [expect.objectContaining({ apiVersion: 'v1', kind: 'Pod' })],
      });
      expect(accounts.items.map((sa: KubeObject) => `${sa.metadata.namespace}/${sa.metadata.name}`)).toEqual([
        'kube-system/default',
        `${NS}/default`,
        `${NS}/${SA}`,
      ]);
      expect(listed.kind).toBe('PodList');
      expect(listed.items.map((p: KubeObject) => p.metadata.name)).toEqual(['eks-iam-test7']);
    });
  });
});

describeWithLayerKubectl('the fake API server, read with the Lambda layer’s kubectl', () => {
  let tools: HandlerTools;
  beforeAll(async () => {
    tools = await HandlerTools.install();
  }, HANDLER_TEST_TIMEOUT_MS);
  afterAll(() => tools.remove());

  test.each(['pods', 'serviceaccounts'] as const)(
    'kubectl get %s -A -o json prints what kubectlGet returns',
    async (kind) => {
      // GIVEN a cluster with a pod that ran as an annotated service account
      const api = await new FakeApiServer().start();
      api.cluster.createNamespace(NS);
      api.cluster.applyServiceAccount(NS, SA, { 'eks.amazonaws.com/role-arn': IRSA_ROLE });
      api.cluster.settle();
      api.cluster.createPod(NS, pod('eks-iam-test3'), false);
      api.cluster.settle();
      const kubeconfig = join(tools.dir, `kubeconfig-${kind}`);
      writeFileSync(
        kubeconfig,
        `apiVersion: v1\nkind: Config\nclusters: [{name: lab, cluster: {server: "${api.url}"}}]\n` +
          'users: [{name: lab, user: {token: test-token}}]\ncontexts: [{name: lab, context: {cluster: lab, user: lab}}]\ncurrent-context: lab\n',
      );
      try {
        // WHEN
        const { stdout } = await promisify(execFile)(
          join(tools.dir, 'kubectl', 'kubectl'),
          ['--kubeconfig', kubeconfig, 'get', kind, '-A', '-o', 'json'],
          {
            env: { HOME: tools.dir, PATH: process.env.PATH },
          },
        );
        // THEN
        expect(JSON.parse(stdout)).toEqual(api.cluster.kubectlGet(kind));
        expect(api.refused).toEqual([]);
      } finally {
        await api.stop();
      }
    },
    HANDLER_TEST_TIMEOUT_MS,
  );
});

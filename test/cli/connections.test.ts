import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { NO_CREDENTIALS_MESSAGE, connectAws } from '../../lib/cli/aws-clients';
import { LabKube, loadLabKubeConfig } from '../../lib/cli/kube';
import { FakeCluster, LAB_CONTEXT } from './support/fake-cluster';

class CredentialsProviderError extends Error {
  name = 'CredentialsProviderError';
}

describe('connectAws', () => {
  const saved = process.env.AWS_EC2_METADATA_DISABLED;
  afterEach(() => {
    process.env.AWS_EC2_METADATA_DISABLED = saved;
  });

  test('switches off the IMDS probe unless the user chose, and maps a missing chain to one line', async () => {
    delete process.env.AWS_EC2_METADATA_DISABLED;
    await expect(
      connectAws({
        credentials: async () => Promise.reject(new CredentialsProviderError('Could not load credentials from any providers')),
      }),
    ).rejects.toThrow(NO_CREDENTIALS_MESSAGE);
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('true');
  });

  test("keeps the user's own AWS_EC2_METADATA_DISABLED", async () => {
    process.env.AWS_EC2_METADATA_DISABLED = 'false';
    await connectAws({ credentials: async () => ({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example' }) });
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('false');
  });

  test('fails after its timeout when the chain hangs', async () => {
    await expect(connectAws({ credentials: () => new Promise(() => undefined), timeoutMs: 50 })).rejects.toThrow(
      /Timed out after 0.05s looking for AWS credentials/,
    );
  });
});

/** A kubeconfig file with the given clusters/contexts, each context named after its cluster. */
function kubeconfigFile(contexts: { name: string; server: string }[], currentContext?: string): string {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: contexts.map(({ name, server }) => ({ name, server, skipTLSVerify: true })),
    users: contexts.map(({ name }) => ({ name, token: `token-of-${name}` })),
    contexts: contexts.map(({ name }) => ({ name, cluster: name, user: name })),
    currentContext: currentContext ?? '',
  });
  const path = join(mkdtempSync(join(tmpdir(), 'lab-kc-')), 'config');
  writeFileSync(path, kubeConfig.exportConfig());
  return path;
}

describe('loadLabKubeConfig', () => {
  const LAB = { name: LAB_CONTEXT, server: 'https://lab.example.invalid' };
  const KIND = { name: 'kind-playground', server: 'https://127.0.0.1:6443' };

  test('fails on a kubeconfig that is not YAML, and says how to write a new one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lab-kc-')), 'config');
    writeFileSync(path, 'clusters: [: not yaml');
    expect(() => loadLabKubeConfig({ KUBECONFIG: path })).toThrow(
      /The kubeconfig .* is invalid .*Run `npm run lab -- kubeconfig`, then retry\./,
    );
  });

  test("GIVEN two contexts with the other one current WHEN loaded THEN it picks the lab's, and its server and user", () => {
    const kubeConfig = loadLabKubeConfig({ KUBECONFIG: kubeconfigFile([KIND, LAB], KIND.name) });
    expect(kubeConfig.getCurrentContext()).toBe(LAB_CONTEXT);
    expect(kubeConfig.getCurrentCluster()?.server).toBe(LAB.server);
    expect(kubeConfig.getCurrentUser()?.token).toBe(`token-of-${LAB_CONTEXT}`);
  });

  test('GIVEN KUBECONFIG with several files WHEN the lab context is in the second THEN it merges them as kubectl does', () => {
    const first = kubeconfigFile([KIND], KIND.name);
    const second = kubeconfigFile([LAB], LAB.name);
    const kubeConfig = loadLabKubeConfig({ KUBECONFIG: [join(tmpdir(), 'missing-kubeconfig'), first, second].join(delimiter) });
    expect(kubeConfig.getContexts().map((c) => c.name)).toEqual([KIND.name, LAB_CONTEXT]);
    expect(kubeConfig.getCurrentCluster()?.server).toBe(LAB.server);
  });

  test('GIVEN the same context name in two files THEN the first file wins, as in kubectl', () => {
    const first = kubeconfigFile([{ ...LAB, server: 'https://first.example.invalid' }]);
    const second = kubeconfigFile([{ ...LAB, server: 'https://second.example.invalid' }], LAB.name);
    const kubeConfig = loadLabKubeConfig({ KUBECONFIG: [first, second].join(delimiter) });
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://first.example.invalid');
  });

  test('fails when no file of KUBECONFIG has the lab cluster, naming the current context', () => {
    const path = kubeconfigFile([KIND], KIND.name);
    expect(() => loadLabKubeConfig({ KUBECONFIG: path })).toThrow(
      /has no context for the eks-oidc-demo cluster \(current: kind-playground\)/,
    );
  });
});

describe('LabKube errors', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  /** Replaces every API answer with one status and Status message. */
  function answerEverything(status: number, message: string): void {
    (cluster as any).handle = (_req: unknown, res: any) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message, code: status }));
    };
  }

  test('fails with one line naming the server when the API cannot be reached', async () => {
    const kube = cluster.client();
    await cluster.stop();
    await expect(kube.readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      new RegExp(`^Cannot reach the Kubernetes API at ${cluster.url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    );
  });

  test('fails after its timeout when the API never answers', async () => {
    (cluster as any).handle = () => undefined;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.writeKubeconfig());
    await expect(new LabKube(kubeConfig, { requestTimeoutMs: 200 }).readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      /^The Kubernetes API at http:\/\/127\.0\.0\.1:\d+ did not answer within 0\.2s \(read pod irsa\/eks-iam-test3\)/,
    );
  });

  test('fails with one line on 401, naming the command that writes the kubeconfig', async () => {
    answerEverything(401, 'Unauthorized');
    await expect(cluster.client().readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      /rejected the credentials of kubeconfig context .*\(401 Unauthorized\)\. Run `npm run lab -- kubeconfig`/,
    );
  });

  test('fails on 403 with the API server message and what access is needed', async () => {
    answerEverything(
      403,
      'pods "eks-iam-test3" is forbidden: User "alice" cannot get resource "pods" in API group "" in the namespace "irsa"',
    );
    await expect(cluster.client().readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      /^The cluster forbids this \(read pod irsa\/eks-iam-test3\): pods "eks-iam-test3" is forbidden: User "alice".*Use an identity with cluster-admin access/,
    );
  });

  test('fails on 5xx with the API server message and a hint to retry', async () => {
    answerEverything(503, '\nthe server is currently unable to handle the request\n');
    await expect(cluster.client().readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      /^The Kubernetes API answered 503 to read pod irsa\/eks-iam-test3: the server is currently unable to handle the request\. .*retry/,
    );
  });

  test('fails with the first line aws eks get-token printed when the credential command fails', async () => {
    // GIVEN: a kubeconfig whose exec plugin prints as the AWS CLI does ("\n<message>\n") and exits 254;
    // the message is IAM's "User: … is not authorized to perform" form, cut short: no published line is copied
    const message =
      'An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: sts:AssumeRole';
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'lab', server: cluster.url, skipTLSVerify: true }],
      users: [
        {
          name: 'lab',
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1beta1',
            command: process.execPath,
            args: ['-e', `process.stderr.write(${JSON.stringify(`\n${message}\n`)}); process.exit(254)`],
            interactiveMode: 'Never',
          },
        },
      ],
      contexts: [{ name: 'lab', cluster: 'lab', user: 'lab' }],
      currentContext: 'lab',
    });

    // WHEN / THEN
    await expect(new LabKube(kubeConfig, { requestTimeoutMs: 5000 }).readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      `The kubeconfig's credential command failed (\`${process.execPath} -e`,
    );
    await expect(new LabKube(kubeConfig, { requestTimeoutMs: 5000 }).readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      new RegExp(`: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\\. Refresh your AWS credentials`),
    );
    // The request never reached the API server.
    expect(cluster.requests).toEqual([]);
  });

  test('fails with the handshake status, not [object Object], when the exec websocket is refused', async () => {
    cluster.addPod({ object: { metadata: { name: 'eks-iam-test4', namespace: 'irsa' } }, exec: () => 403 });
    const error = await cluster
      .client()
      .exec('irsa', 'eks-iam-test4', 'aws-cli', ['true'])
      .catch((err: Error) => err);
    expect((error as Error).message).toMatch(
      /^The cluster refused the exec channel \(exec in irsa\/eks-iam-test4\): HTTP 403\. Use an identity that may create pods\/exec/,
    );
    expect((error as Error).message).not.toContain('[object Object]');
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    const clients = await connectAws({ credentials: async () => ({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'example' }) });
    expect(process.env.AWS_EC2_METADATA_DISABLED).toBe('false');
    expect(await clients.sts.config.region()).toBe('us-east-2');
  });

  test('fails after its timeout when the chain hangs', async () => {
    await expect(connectAws({ credentials: () => new Promise(() => undefined), timeoutMs: 50 })).rejects.toThrow(
      /Timed out after 0.05s looking for AWS credentials/,
    );
  });
});

describe('loadLabKubeConfig', () => {
  test('fails on a kubeconfig that is not YAML, and says how to write a new one', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lab-kc-')), 'config');
    writeFileSync(path, 'clusters: [: not yaml');
    expect(() => loadLabKubeConfig({ KUBECONFIG: path })).toThrow(
      /The kubeconfig .* is invalid .*aws eks update-kubeconfig --name eks-oidc-demo/,
    );
  });

  test("picks the lab's context even when another one is current", async () => {
    const cluster = await new FakeCluster().start();
    try {
      const kubeConfig = loadLabKubeConfig({ KUBECONFIG: cluster.writeKubeconfig() });
      expect(kubeConfig.getCurrentContext()).toBe(LAB_CONTEXT);
    } finally {
      await cluster.stop();
    }
  });
});

describe('LabKube errors', () => {
  test('fails with one line naming the server when the API cannot be reached', async () => {
    const cluster = await new FakeCluster().start();
    const kube = cluster.client();
    await cluster.stop();
    await expect(kube.readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
      new RegExp(`^Cannot reach the Kubernetes API at ${cluster.url.replace(/\./g, '\\.')} \\(ECONNREFUSED\\)`),
    );
  });

  test('fails with one line on 401, naming update-kubeconfig', async () => {
    const cluster = await new FakeCluster().start();
    try {
      const kube = cluster.client();
      // A server that rejects every token.
      (cluster as any).handle = (_req: unknown, res: any) => {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }));
      };
      await expect(kube.readPod('irsa', 'eks-iam-test3')).rejects.toThrow(
        /rejected the credentials of kubeconfig context .*\(401 Unauthorized\)\. Run `aws eks update-kubeconfig/,
      );
      expect(kube).toBeInstanceOf(LabKube);
    } finally {
      await cluster.stop();
    }
  });
});

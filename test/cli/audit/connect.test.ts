import { connectAudit } from '../../../lib/cli/commands/audit/connect';
import { Output } from '../../../lib/cli/output';
import { collectLive } from '../../../lib/cli/sources/live';
import { CapturedTerminal } from '../support/output';
import { FakeKubeLists } from './fake-kube-lists';

const POD = {
  metadata: { name: 'api-0', namespace: 'shop', creationTimestamp: '2026-12-01T10:00:00Z' },
  spec: { serviceAccountName: 'api', containers: [{ name: 'app', image: 'example.com/app:1' }] },
  status: { phase: 'Running' },
};

let kube: FakeKubeLists;
beforeEach(async () => {
  kube = await new FakeKubeLists().start();
});
afterEach(() => kube.stop());

describe("lab audit's Kubernetes reads", () => {
  test('GIVEN a cluster with a pod WHEN the pods are listed THEN the list comes back as plain JSON, through one GET', async () => {
    kube.items.set('/api/v1/pods', [POD]);
    const clients = connectAudit('us-east-2', kube.kubeConfig());
    const list = (await clients.kubeList('/api/v1/pods')) as { items: { metadata: Record<string, unknown> }[] };
    expect(list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['shop/api-0']);
    // Dates come back as ISO strings (the JSON of the client's Date), never as Date objects.
    expect(list.items[0].metadata.creationTimestamp).toBe('2026-12-01T10:00:00.000Z');
    expect(kube.requests).toEqual(['GET /api/v1/pods']);
  });

  test('reads every list the audit needs, and nothing else', async () => {
    const clients = connectAudit('us-east-2', kube.kubeConfig());
    for (const path of ['/api/v1/serviceaccounts', '/api/v1/pods', '/api/v1/nodes', '/api/v1/secrets']) await clients.kubeList(path);
    expect(kube.requests).toEqual(['GET /api/v1/serviceaccounts', 'GET /api/v1/pods', 'GET /api/v1/nodes', 'GET /api/v1/secrets']);
  });

  test('fails on a path the audit does not read, without sending it', async () => {
    const clients = connectAudit('us-east-2', kube.kubeConfig());
    await expect(clients.kubeList('/api/v1/configmaps')).rejects.toThrow('lab audit reads no /api/v1/configmaps');
    expect(kube.requests).toEqual([]);
  });

  test('GIVEN RBAC that refuses secrets WHEN collected THEN the secrets are not verifiable, and the pods are still read', async () => {
    kube.items.set('/api/v1/pods', [POD]);
    kube.forbidden.add('/api/v1/secrets');
    const clients = connectAudit('us-east-2', kube.kubeConfig());
    // Only the Kubernetes reads are under test: every AWS call is refused as AccessDenied.
    const denied = Object.assign(new Error('denied in this test'), { name: 'AccessDeniedException' });
    const refuse = { send: async () => Promise.reject(denied) };
    const out: Output = new CapturedTerminal().output(true);
    const documents = await collectLive({ ...clients, eks: refuse as never, iam: refuse as never, ec2: refuse as never }, 'shop', {
      includeSecrets: true,
      out,
    });
    expect((documents.pods as { items: unknown[] }).items).toHaveLength(1);
    expect(documents.secrets).toBeUndefined();
    expect(documents.notVerifiable).toContainEqual(
      expect.objectContaining({ file: 'secrets', action: 'kubernetes list secrets', reason: expect.stringMatching(/403|[Ff]orbidden/) }),
    );
  }, 60_000);
});

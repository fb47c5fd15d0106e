import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

/** The cluster-wide lists `lab audit` reads, by path, and the kind of each list. */
const LIST_KINDS: Readonly<Record<string, string>> = {
  '/api/v1/serviceaccounts': 'ServiceAccountList',
  '/api/v1/pods': 'PodList',
  '/api/v1/nodes': 'NodeList',
  '/api/v1/secrets': 'SecretList',
};

/**
 * A Kubernetes API server on 127.0.0.1 that answers only cluster-wide GET lists of core v1 kinds.
 * - A list is `{ kind: <Kind>List, apiVersion: v1, metadata: { resourceVersion }, items }`
 *   (Kubernetes API concepts, "Collections": https://kubernetes.io/docs/reference/using-api/api-concepts/#collections).
 * - A list RBAC does not allow is a 403 Status, reason Forbidden, whose message reads
 *   `<resource> is forbidden: User "<user>" cannot list resource "<resource>" in API group "" at the cluster scope`
 *   (kubernetes `staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go`, `forbiddenMessage`).
 * Anything else (another path, another verb) is refused with a 404 Status naming the request: this
 * fake does not know how the real server would answer it.
 */
export class FakeKubeLists {
  /** Items of each list, by path. */
  readonly items = new Map<string, unknown[]>();
  /** Paths the caller may not list. */
  readonly forbidden = new Set<string>();
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  url = '';
  private server?: Server;

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** A kubeconfig whose current context is this server. */
  kubeConfig(): KubeConfig {
    const config = new KubeConfig();
    // client-node only speaks plain HTTP to a server whose TLS checks are off.
    config.loadFromOptions({
      clusters: [{ name: 'any', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'auditor', token: 'test-token' }],
      contexts: [{ name: 'any', cluster: 'any', user: 'auditor' }],
      currentContext: 'any',
    });
    return config;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.url).pathname;
    this.requests.push(`${req.method} ${path}`);
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const kind = LIST_KINDS[path];
    if (req.method !== 'GET' || kind === undefined) {
      return reply(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        code: 404,
        message: `the fake does not model ${req.method} ${path}`,
      });
    }
    const resource = path.split('/').pop()!;
    if (this.forbidden.has(path)) {
      return reply(403, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${resource} is forbidden: User "auditor" cannot list resource "${resource}" in API group "" at the cluster scope`,
        reason: 'Forbidden',
        details: { kind: resource },
        code: 403,
      });
    }
    reply(200, { kind, apiVersion: 'v1', metadata: { resourceVersion: '4242' }, items: this.items.get(path) ?? [] });
  }
}

import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiAnswer, FakeCluster, FakeClusterOptions, KubeObject, failure } from './fake-cluster';

/** The kinds the fake serves, and the verbs each one has. */
const RESOURCES = [
  { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list'] },
  { name: 'serviceaccounts', singularName: 'serviceaccount', namespaced: true, kind: 'ServiceAccount', verbs: ['get', 'list'] },
  { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list'] },
] as const;
type Kind = (typeof RESOURCES)[number]['name'];

/** The query parameters kubectl sends that the fake understands, by method. */
const QUERY = {
  // `timeout` is kubectl's --request-timeout; `limit` is how it pages lists.
  GET: ['timeout', 'limit'],
  POST: ['timeout', 'dryRun', 'fieldManager', 'fieldValidation'],
  DELETE: ['timeout'],
} as Record<string, string[]>;

/**
 * A Kubernetes API server on 127.0.0.1 in front of a `FakeCluster`, for kubectl and any HTTP
 * client: discovery, pods (create, dry-run create, get, list, delete), and service accounts and
 * namespaces to read. Each request is one tick of the cluster's clock.
 *
 * Anything else is refused with 501 and a message naming the request, never answered with a
 * guess, and recorded in `refused`: a 404 would read as "not found" to `--ignore-not-found`.
 */
export class FakeApiServer {
  readonly cluster: FakeCluster;
  /** Every request, as `METHOD path?query` (kubectl's `timeout` parameter left out). */
  readonly requests: string[] = [];
  /** Every request with the status it was answered with, in order. */
  readonly answers: { request: string; code: number }[] = [];
  /** The requests the fake does not model. */
  readonly refused: string[] = [];
  url = '';
  private server?: Server;

  constructor(options: FakeClusterOptions = {}) {
    this.cluster = new FakeCluster(options);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => this.respond(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** The pods a dry run admitted, as the webhook left them. */
  get dryRuns(): KubeObject[] {
    return this.cluster.admitted.filter((a) => a.dryRun).map((a) => a.pod);
  }

  private respond(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const shown = new URLSearchParams(url.searchParams);
    shown.delete('timeout');
    const request = `${method} ${url.pathname}${shown.size ? `?${shown}` : ''}`;
    this.requests.push(request);
    this.cluster.tick();
    let answer: ApiAnswer;
    try {
      answer = this.route(method, url, body) ?? this.refuse(request);
    } catch (error) {
      answer = failure(400, 'BadRequest', `${request}: ${(error as Error).message}`);
    }
    this.answers.push({ request, code: answer.code });
    res.writeHead(answer.code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  }

  private refuse(request: string): ApiAnswer {
    this.refused.push(request);
    return failure(501, 'NotImplemented', `the fake API server does not model ${request}`);
  }

  /** The answer to a request the fake models, or undefined. */
  private route(method: string, url: URL, body: string): ApiAnswer | undefined {
    const unknownParam = [...url.searchParams.keys()].find((key) => !(QUERY[method] ?? []).includes(key));
    if (unknownParam) return undefined;
    const path = url.pathname;

    // Discovery, as kubectl asks for it before its first command.
    if (method === 'GET' && path === '/api') return ok({ kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (method === 'GET' && path === '/apis') return ok({ kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (method === 'GET' && path === '/api/v1') return ok({ kind: 'APIResourceList', groupVersion: 'v1', resources: RESOURCES });

    const cluster = /^\/api\/v1\/(pods|serviceaccounts|namespaces)$/.exec(path);
    if (cluster && method === 'GET') return this.list(cluster[1] as Kind);
    const namespaceGet = /^\/api\/v1\/namespaces\/([^/]+)$/.exec(path);
    if (namespaceGet && method === 'GET') return this.get('namespaces', undefined, namespaceGet[1]);

    const match = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|serviceaccounts)(?:\/([^/]+))?$/.exec(path);
    if (!match) return undefined;
    const [, namespace, kind, name] = match as unknown as [string, string, Kind, string | undefined];
    if (method === 'GET') return name ? this.get(kind, namespace, name) : this.list(kind, namespace);
    if (kind !== 'pods') return undefined;
    if (method === 'POST' && !name) {
      const dryRun = url.searchParams.get('dryRun');
      if (dryRun !== null && dryRun !== 'All') return undefined;
      const pod = JSON.parse(body);
      if (pod.metadata?.namespace && pod.metadata.namespace !== namespace) {
        return failure(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      return this.cluster.createPod(namespace, pod, dryRun === 'All');
    }
    if (method === 'DELETE' && name) {
      const options = body ? JSON.parse(body) : {};
      return this.cluster.deletePodRequest(namespace, name, options.gracePeriodSeconds);
    }
    return undefined;
  }

  private get(kind: Kind, namespace: string | undefined, name: string): ApiAnswer {
    const object = this.cluster.get(kind, namespace, name);
    return object ? ok(object) : failure(404, 'NotFound', `${kind} "${name}" not found`, { name, kind });
  }

  /** A list as the API returns it: `<Kind>List`, items without apiVersion and kind. */
  private list(kind: Kind, namespace?: string): ApiAnswer {
    const items = this.cluster.list(kind, namespace).map(({ apiVersion: _v, kind: _k, ...item }) => item);
    const listKind = `${RESOURCES.find((r) => r.name === kind)!.kind}List`;
    return ok({ kind: listKind, apiVersion: 'v1', metadata: { resourceVersion: String(this.cluster.ticks) }, items });
  }
}

function ok(body: KubeObject): ApiAnswer {
  return { code: 200, body };
}

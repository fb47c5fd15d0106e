import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** A pod as the fake API server stores it. */
export interface StoredPod {
  object: Record<string, any>;
  /** GETs before the kubelet reports how the pod ended. */
  readsUntilFinished?: number;
  /** GETs that still find the pod after DELETE, as a terminating pod. */
  terminatingReads?: number;
  deleted?: boolean;
}

/**
 * A Kubernetes API server on 127.0.0.1 for the cluster handlers' kubectl: just enough
 * discovery for `kubectl create|get|delete pod`, pods that create, read and delete like a
 * real server's, and server-side dry runs that pass through an `admit` hook standing in for
 * the mutating admission webhooks.
 */
export class FakeApiServer {
  readonly pods = new Map<string, StoredPod>();
  /** Every request, as `METHOD path?query`, and `GONE namespace/name` when a deleted pod is first found gone. */
  readonly requests: string[] = [];
  /** Pods created for real, in order. */
  readonly created: Record<string, any>[] = [];
  /** Pods admitted in a dry run, in order. */
  readonly dryRuns: Record<string, any>[] = [];
  /** The mutating webhooks: what a pod looks like once admitted. */
  admit: (pod: Record<string, any>) => Record<string, any> = (pod) => pod;
  /** How many GETs a deleted pod survives. */
  terminatingReads = 1;
  /** The kubelet: the phase a pod ends in, or undefined for one that never ends. */
  finish: (pod: Record<string, any>) => string | undefined = () => 'Succeeded';
  /** How many GETs a created pod stays Pending. */
  readsUntilFinished = 2;
  url = '';
  private server?: Server;
  private uid = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => this.handle(req, body, res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Puts a pod in the store, as an earlier deploy would have left it. */
  addPod(object: Record<string, any>): void {
    this.pods.set(`${object.metadata.namespace}/${object.metadata.name}`, { object: this.stored(object) });
  }

  /** The names of the pods that exist now, as `namespace/name`. */
  podNames(): string[] {
    return [...this.pods.entries()].filter(([, pod]) => !pod.deleted).map(([key]) => key);
  }

  private stored(object: Record<string, any>): Record<string, any> {
    this.uid += 1;
    return {
      ...object,
      metadata: { ...object.metadata, uid: `uid-${this.uid}`, resourceVersion: String(this.uid) },
      status: { phase: 'Pending' },
    };
  }

  private handle(req: IncomingMessage, body: string, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    url.searchParams.delete('timeout');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const reply = (code: number, object: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(object));
    };
    const status = (code: number, reason: string, message: string, name?: string) =>
      reply(code, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        reason,
        message,
        code,
        details: { name, kind: 'pods' },
      });

    // Discovery, as kubectl asks for it before its first `pod` command.
    if (url.pathname === '/api') return reply(200, { kind: 'APIVersions', versions: ['v1'] });
    if (url.pathname === '/apis') return reply(200, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (url.pathname === '/api/v1') {
      return reply(200, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [{ name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['create', 'delete', 'get', 'list'] }],
      });
    }

    const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return status(404, 'NotFound', `no route ${url.pathname}`);
    const [, namespace, name] = match;

    if (req.method === 'POST' && !name) {
      const pod = JSON.parse(body);
      if (pod.metadata?.namespace && pod.metadata.namespace !== namespace) {
        return status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      }
      const admitted = this.admit(structuredClone(pod));
      if (url.searchParams.get('dryRun') === 'All') {
        this.dryRuns.push(admitted);
        return reply(201, this.stored(admitted));
      }
      const key = `${namespace}/${pod.metadata.name}`;
      if (this.pods.has(key)) return status(409, 'AlreadyExists', `pods "${pod.metadata.name}" already exists`, pod.metadata.name);
      this.created.push(admitted);
      const stored = this.stored(admitted);
      this.pods.set(key, { object: stored, readsUntilFinished: this.readsUntilFinished });
      return reply(201, stored);
    }

    const key = `${namespace}/${name}`;
    const pod = this.pods.get(key);
    if (!pod || (pod.deleted && (pod.terminatingReads ?? 0) <= 0)) {
      if (pod) {
        this.pods.delete(key);
        this.requests.push(`GONE ${key}`);
      }
      return status(404, 'NotFound', `pods "${name}" not found`, name);
    }
    if (req.method === 'DELETE') {
      pod.deleted = true;
      pod.terminatingReads = this.terminatingReads;
      return reply(200, pod.object);
    }
    if (req.method === 'GET') {
      if (pod.deleted) pod.terminatingReads = (pod.terminatingReads ?? 0) - 1;
      else if (pod.readsUntilFinished !== undefined && --pod.readsUntilFinished <= 0) {
        const phase = this.finish(pod.object);
        if (phase) pod.object.status = { phase };
      }
      return reply(200, pod.object);
    }
    return status(405, 'MethodNotAllowed', `${req.method} is not served here`);
  }
}

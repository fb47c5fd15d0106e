import { mkdtempSync, writeFileSync } from 'node:fs';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { JWK, JWTPayload, KeyLike, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { WebSocketServer } from 'ws';
import { LabKube } from '../../../lib/cli/kube';

/** What a command run in a fake pod prints. */
export interface ExecReply {
  readonly stdout?: string;
  readonly stderr?: string;
  readonly exitCode: number;
}

/** A pod of the fake cluster: its API object, its log, and how it answers exec. */
export interface FakePod {
  object: Record<string, any>;
  log?: string;
  /** The log endpoint answers with this status and message instead of the log. */
  logError?: { status: number; message: string };
  /** `hang` accepts the exec channel and never finishes; a number refuses the websocket handshake with that HTTP status. */
  exec?: (command: string[]) => ExecReply | 'hang' | number;
  /** GETs that still find the pod after DELETE, as a terminating pod. */
  terminatingReads?: number;
  deleted?: boolean;
}

/** The context name `aws eks update-kubeconfig` writes for the lab's cluster. */
export const LAB_CONTEXT = 'arn:aws:eks:us-east-2:123456789012:cluster/eks-oidc-demo';

/**
 * A Kubernetes API server on 127.0.0.1 that answers the calls the lab CLI makes
 * with objects shaped like a real API server's, plus the exec channel over a
 * websocket (v4.channel.k8s.io: stdout on 1, stderr on 2, status on 3) and an
 * OIDC issuer (discovery document and JWKS) whose key the test holds.
 */
export class FakeCluster {
  readonly pods = new Map<string, FakePod>();
  readonly secrets = new Map<string, Record<string, unknown>>();
  readonly serviceAccounts = new Map<string, Record<string, unknown>>();
  /** Node objects, by name: none unless the test adds them. */
  readonly nodes = new Map<string, Record<string, unknown>>();
  /** Every request, as `METHOD path`. */
  readonly requests: string[] = [];
  /** Replaces the issuer's discovery answer, e.g. a 503 or a document without jwks_uri. */
  discovery?: { status: number; body: unknown };
  /** Bodies of pods created through POST. */
  readonly created: Record<string, any>[] = [];
  private server?: Server;
  private keys?: { privateKey: KeyLike; jwk: JWK };

  /** `http://127.0.0.1:<port>`: the API server and the OIDC issuer. */
  url = '';

  async start(): Promise<this> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    this.keys = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256', use: 'sig' } };
    const sockets = new WebSocketServer({
      noServer: true,
      handleProtocols: (protocols) => (protocols.has('v4.channel.k8s.io') ? 'v4.channel.k8s.io' : false),
    });
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => {
      this.requests.push(`EXEC ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://x');
      const match = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
      const pod = match ? this.pods.get(`${match[1]}/${match[2]}`) : undefined;
      const answer = pod?.exec ? pod.exec(url.searchParams.getAll('command')) : { stderr: 'no such pod', exitCode: 1 };
      if (typeof answer === 'number') {
        socket.end(`HTTP/1.1 ${answer} Forbidden\r\ncontent-type: application/json\r\n\r\n`);
        return;
      }
      sockets.handleUpgrade(req, socket, head, (ws) => {
        if (answer === 'hang') return;
        const reply: ExecReply = answer;
        if (reply.stdout) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(reply.stdout)]));
        if (reply.stderr) ws.send(Buffer.concat([Buffer.from([2]), Buffer.from(reply.stderr)]));
        const status =
          reply.exitCode === 0
            ? { metadata: {}, status: 'Success' }
            : {
                metadata: {},
                status: 'Failure',
                message: `command terminated with non-zero exit code: exit status ${reply.exitCode}`,
                reason: 'NonZeroExitCode',
                details: { causes: [{ reason: 'ExitCode', message: String(reply.exitCode) }] },
              };
        ws.send(Buffer.concat([Buffer.from([3]), Buffer.from(JSON.stringify(status))]));
        ws.close();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** Writes a kubeconfig for this server, as `aws eks update-kubeconfig` would name it, and returns its path. */
  writeKubeconfig(contextName = LAB_CONTEXT): string {
    const kubeConfig = new KubeConfig();
    // client-node only speaks plain HTTP to a server whose TLS checks are off.
    kubeConfig.loadFromOptions({
      clusters: [{ name: contextName, server: this.url, skipTLSVerify: true }],
      users: [{ name: contextName, token: 'test-token' }],
      contexts: [{ name: contextName, cluster: contextName, user: contextName }],
      currentContext: contextName,
    });
    const path = join(mkdtempSync(join(tmpdir(), 'lab-kube-')), 'config');
    writeFileSync(path, kubeConfig.exportConfig());
    return path;
  }

  /** A LabKube client for this server, through a kubeconfig file like the CLI's. */
  client(): LabKube {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(this.writeKubeconfig());
    return new LabKube(kubeConfig, { requestTimeoutMs: 5000 });
  }

  /** Signs a token with the issuer's key. */
  sign(claims: JWTPayload, options: { lifetimeSeconds?: number; issuer?: string; legacy?: boolean; key?: KeyLike } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuer(options.issuer ?? this.url);
    // Legacy Secret tokens carry neither iat nor exp.
    if (!options.legacy) jwt.setIssuedAt(now);
    if (options.lifetimeSeconds !== undefined) jwt.setExpirationTime(now + options.lifetimeSeconds);
    return jwt.sign(options.key ?? this.keys!.privateKey);
  }

  addPod(pod: FakePod): FakePod {
    this.pods.set(`${pod.object.metadata.namespace}/${pod.object.metadata.name}`, pod);
    return pod;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    const reply = (code: number, body: unknown, type = 'application/json') => {
      res.writeHead(code, { 'content-type': type });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const notFound = (kind: string, name: string) =>
      reply(404, {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${kind} "${name}" not found`,
        reason: 'NotFound',
        details: { name, kind },
        code: 404,
      });

    if (url.pathname === '/.well-known/openid-configuration') {
      if (this.discovery) return reply(this.discovery.status, this.discovery.body);
      return reply(200, {
        issuer: this.url,
        jwks_uri: `${this.url}/openid/v1/jwks`,
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/openid/v1/jwks') return reply(200, { keys: [this.keys!.jwk] });

    // Cluster-wide lists, as `kubectl get <kind> -A -o json` reads them: a <Kind>List of the items
    // (https://kubernetes.io/docs/reference/using-api/api-concepts/#collections).
    const lists: Record<string, { kind: string; items: () => unknown[] }> = {
      '/api/v1/pods': { kind: 'PodList', items: () => [...this.pods.values()].filter((p) => !p.deleted).map((p) => p.object) },
      '/api/v1/serviceaccounts': { kind: 'ServiceAccountList', items: () => [...this.serviceAccounts.values()] },
      '/api/v1/nodes': { kind: 'NodeList', items: () => [...this.nodes.values()] },
    };
    const list = req.method === 'GET' ? lists[url.pathname] : undefined;
    if (list) return reply(200, { kind: list.kind, apiVersion: 'v1', metadata: { resourceVersion: '123456' }, items: list.items() });

    const match = /^\/api\/v1\/namespaces\/([^/]+)\/(pods|secrets|serviceaccounts)(?:\/([^/]+))?(?:\/(log))?$/.exec(url.pathname);
    if (!match) return reply(404, { kind: 'Status', code: 404, message: `no route ${url.pathname}` });
    const [, namespace, resource, name, sub] = match;
    const key = `${namespace}/${name}`;

    if (resource === 'secrets') {
      const secret = this.secrets.get(key);
      return secret ? reply(200, secret) : notFound('secrets', name);
    }
    if (resource === 'serviceaccounts') {
      const account = this.serviceAccounts.get(key);
      return account ? reply(200, account) : notFound('serviceaccounts', name);
    }
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        const object = JSON.parse(body);
        this.created.push(object);
        const stored = { ...object, metadata: { ...object.metadata, uid: 'new-uid', resourceVersion: '2' }, status: { phase: 'Pending' } };
        this.pods.set(`${namespace}/${object.metadata.name}`, { object: stored });
        reply(201, stored);
      });
      return;
    }
    const pod = this.pods.get(key);
    if (!pod || (pod.deleted && (pod.terminatingReads ?? 0) <= 0)) {
      if (pod) this.pods.delete(key);
      return notFound('pods', name);
    }
    if (req.method === 'DELETE') {
      pod.deleted = true;
      return reply(200, pod.object);
    }
    if (pod.deleted) pod.terminatingReads = (pod.terminatingReads ?? 0) - 1;
    if (sub === 'log') {
      if (pod.logError)
        return reply(pod.logError.status, { kind: 'Status', status: 'Failure', message: pod.logError.message, code: pod.logError.status });
      const tail = Number(url.searchParams.get('tailLines') ?? '0');
      const lines = (pod.log ?? '').split('\n');
      return reply(200, tail > 0 ? lines.slice(-tail - 1).join('\n') : (pod.log ?? ''), 'text/plain');
    }
    return reply(200, pod.object);
  }
}

/** A pod object shaped like the API server returns it. */
export function podObject(options: {
  namespace: string;
  name: string;
  phase: string;
  exitCode?: number;
  serviceAccount?: string;
  env?: { name: string; value?: string }[];
  command?: string[];
  image?: string;
}): Record<string, any> {
  const terminated = options.exitCode !== undefined;
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      uid: '6f1c2a55-8a1e-4b7e-9d55-2f0d3c1b9a10',
      resourceVersion: '123456',
      creationTimestamp: '2026-11-26T10:00:00Z',
      labels: { 'aws.cdk.eks/prune-c8': '' },
      managedFields: [{ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'v1' }],
    },
    spec: {
      serviceAccountName: options.serviceAccount ?? 'default',
      restartPolicy: 'Never',
      nodeName: 'ip-10-0-3-17.us-east-2.compute.internal',
      containers: [
        {
          name: 'aws-cli',
          image: options.image ?? 'public.ecr.aws/aws-cli/aws-cli:2.22.0',
          ...(options.command ? { command: options.command } : { args: ['s3', 'ls'] }),
          env: options.env,
          volumeMounts: [{ name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
        },
      ],
      volumes: [
        {
          name: 'kube-api-access-x7k2p',
          projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }] },
        },
      ],
    },
    status: {
      phase: options.phase,
      hostIP: '10.0.3.17',
      podIP: '10.0.3.40',
      containerStatuses: [
        {
          name: 'aws-cli',
          ready: false,
          restartCount: 0,
          image: 'docker.io/amazon/aws-cli:2.22.0',
          state: terminated
            ? {
                terminated: {
                  exitCode: options.exitCode,
                  reason: options.exitCode === 0 ? 'Completed' : 'Error',
                  startedAt: '2026-11-26T10:00:05Z',
                  finishedAt: '2026-11-26T10:00:09Z',
                },
              }
            : options.phase === 'Running'
              ? { running: { startedAt: '2026-11-26T10:00:05Z' } }
              : { waiting: { reason: 'ContainerCreating' } },
        },
      ],
    },
  };
}

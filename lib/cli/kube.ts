import { delimiter } from 'node:path';
import { Writable } from 'node:stream';
import {
  ApiException,
  Cluster,
  Context,
  CoreV1Api,
  Exec,
  KubeConfig,
  User,
  V1Pod,
  V1Secret,
  V1ServiceAccount,
  V1Status,
} from '@kubernetes/client-node';
import { LAB_CLUSTER } from '../cluster-contract';
import { ExitCode, LabError, firstLine } from './errors';
import { WRITE_KUBECONFIG, presentKubeconfigs } from './private/kubeconfig-files';
import { withTimeout } from './private/timeout';

/** The command that writes a kubeconfig for the lab's cluster, for its access role: every hint names it. */
export const UPDATE_KUBECONFIG = WRITE_KUBECONFIG;

/** What a command run in a pod printed, and how it ended. */
export interface ExecResult {
  readonly stdout: string;
  readonly stderr: string;
  /**
   * The command's exit code.
   * @default - unknown: the connection ended without a status
   */
  readonly exitCode?: number;
}

export interface LabKubeOptions {
  /**
   * How long one API call may take.
   * @default 15000
   */
  readonly requestTimeoutMs?: number;
  /**
   * How long a command run in a pod may take, once its channel is open.
   * @default 60000
   */
  readonly execTimeoutMs?: number;
}

/**
 * Loads the kubeconfig `aws eks update-kubeconfig` writes and picks the lab's context.
 * Throws a one-line LabError when there is none, so the CLI never falls back to localhost.
 */
export function loadLabKubeConfig(env: NodeJS.ProcessEnv): KubeConfig {
  const present = presentKubeconfigs(env);
  const kubeConfig = mergeKubeconfigs(present);
  const where = present.join(delimiter);
  const isLab = (name: string | undefined) => name !== undefined && (name === LAB_CLUSTER.name || name.endsWith(`/${LAB_CLUSTER.name}`));
  const contexts = kubeConfig.getContexts();
  const current = contexts.find((context) => context.name === kubeConfig.getCurrentContext());
  const chosen = [current, ...contexts].find((context) => context && (isLab(context.name) || isLab(context.cluster)));
  if (!chosen) {
    throw new LabError(
      `The kubeconfig ${where} has no context for the ${LAB_CLUSTER.name} cluster${current ? ` (current: ${current.name})` : ''}. Run \`${UPDATE_KUBECONFIG}\`, then retry.`,
    );
  }
  kubeConfig.setCurrentContext(chosen.name);
  if (!kubeConfig.getCurrentCluster()?.server) {
    throw new LabError(`The kubeconfig context ${chosen.name} has no cluster server. Run \`${UPDATE_KUBECONFIG}\`, then retry.`);
  }
  return kubeConfig;
}

/**
 * Merges the files of KUBECONFIG as kubectl does (client-go tools/clientcmd/loader.go):
 * the first file to define a cluster, user or context name wins, and the first file
 * that sets current-context sets it.
 */
function mergeKubeconfigs(paths: readonly string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext = '';
  for (const path of paths) {
    const file = new KubeConfig();
    try {
      // Relative certificate and token paths become absolute against the file's directory.
      file.loadFromFile(path);
    } catch (err) {
      throw new LabError(`The kubeconfig ${path} is invalid (${firstLine(err)}). Run \`${UPDATE_KUBECONFIG}\`, then retry.`);
    }
    for (const cluster of file.getClusters()) if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    for (const user of file.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of file.getContexts()) if (!contexts.has(context.name)) contexts.set(context.name, context);
    currentContext ||= file.getCurrentContext() ?? '';
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/** The few Kubernetes calls the lab CLI makes, with errors turned into one-line messages. */
export class LabKube {
  private readonly core: CoreV1Api;
  private readonly timeoutMs: number;
  private readonly execTimeoutMs: number;

  constructor(
    readonly kubeConfig: KubeConfig,
    options: LabKubeOptions = {},
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.timeoutMs = options.requestTimeoutMs ?? 15000;
    this.execTimeoutMs = options.execTimeoutMs ?? 60000;
  }

  /** The cluster's API server URL. */
  get server(): string {
    return this.kubeConfig.getCurrentCluster()?.server ?? '?';
  }

  /** @returns undefined if the pod does not exist */
  readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    return this.orUndefined(this.call(`read pod ${namespace}/${name}`, () => this.core.readNamespacedPod({ namespace, name })));
  }

  podLog(namespace: string, name: string, tailLines: number): Promise<string> {
    return this.call(`read the log of ${namespace}/${name}`, () => this.core.readNamespacedPodLog({ namespace, name, tailLines }));
  }

  async deletePod(namespace: string, name: string): Promise<void> {
    await this.call(`delete pod ${namespace}/${name}`, () => this.core.deleteNamespacedPod({ namespace, name }));
  }

  createPod(namespace: string, pod: V1Pod): Promise<V1Pod> {
    return this.call(`create pod ${namespace}/${pod.metadata?.name}`, () => this.core.createNamespacedPod({ namespace, body: pod }));
  }

  /** @returns undefined if the Secret does not exist */
  readSecret(namespace: string, name: string): Promise<V1Secret | undefined> {
    return this.orUndefined(this.call(`read secret ${namespace}/${name}`, () => this.core.readNamespacedSecret({ namespace, name })));
  }

  /** @returns undefined if the service account does not exist */
  readServiceAccount(namespace: string, name: string): Promise<V1ServiceAccount | undefined> {
    return this.orUndefined(
      this.call(`read service account ${namespace}/${name}`, () => this.core.readNamespacedServiceAccount({ namespace, name })),
    );
  }

  /** Runs a command in a container, like `kubectl exec`, and collects what it prints. */
  async exec(namespace: string, pod: string, container: string, command: string[], timeoutMs = this.execTimeoutMs): Promise<ExecResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let status: V1Status | undefined;
    const socket = await this.call(`exec in ${namespace}/${pod}`, () =>
      new Exec(this.kubeConfig).exec(namespace, pod, container, command, collector(stdout), collector(stderr), null, false, (s) => {
        status = s;
      }),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(
          new LabError(
            `\`${command.join(' ')}\` in ${namespace}/${pod} did not finish within ${timeoutMs / 1000}s.`,
            ExitCode.CHECK_FAILED,
          ),
        );
      }, timeoutMs);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return { stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: exitCodeOf(status) };
  }

  private async orUndefined<T>(request: Promise<T>): Promise<T | undefined> {
    try {
      return await request;
    } catch (err) {
      if (err instanceof NotFound) return undefined;
      throw err;
    }
  }

  private async call<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await withTimeout(
        this.authenticate().then(request),
        this.timeoutMs,
        () =>
          new LabError(
            `The Kubernetes API at ${this.server} did not answer within ${this.timeoutMs / 1000}s (${what}). Is the cluster up? Check \`kubectl get nodes\`, then retry.`,
          ),
      );
    } catch (err) {
      throw this.describe(err, what);
    }
  }

  /**
   * Runs the kubeconfig's credential command (`aws eks get-token`) on its own, so its
   * failure is named as such. client-node caches the token it prints until its
   * expirationTimestamp, so the request that follows reuses it.
   */
  private async authenticate(): Promise<void> {
    try {
      await this.kubeConfig.applyToHTTPSOptions({});
    } catch (err) {
      const exec = this.kubeConfig.getCurrentUser()?.exec as { command?: string; args?: string[] } | undefined;
      const command = exec?.command ? [exec.command, ...(exec.args ?? [])].join(' ') : 'the credential plugin';
      throw new LabError(
        `The kubeconfig's credential command failed (\`${command}\`: ${firstLine(err)}). Refresh your AWS credentials (\`aws sso login\`, \`aws configure\`), then run \`${UPDATE_KUBECONFIG}\` again.`,
      );
    }
  }

  private describe(err: unknown, what: string): Error {
    if (err instanceof LabError) return err;
    const context = this.kubeConfig.getCurrentContext();
    if (err instanceof ApiException) {
      const code = err.code;
      if (code === 404) return new NotFound(what);
      const reason = apiMessage(err.body);
      if (code === 401) {
        return new LabError(
          `The cluster rejected the credentials of kubeconfig context ${context} (401 Unauthorized). Run \`${UPDATE_KUBECONFIG}\` as an identity with a cluster access entry, then retry.`,
        );
      }
      if (code === 403)
        return new LabError(`The cluster forbids this (${what}): ${reason}. Use an identity with cluster-admin access, then retry.`);
      if (code >= 500)
        return new LabError(
          `The Kubernetes API answered ${code} to ${what}: ${reason}. The control plane may be busy; retry in a minute.`,
          ExitCode.CHECK_FAILED,
        );
      return new LabError(`The Kubernetes API answered ${code} to ${what}: ${reason}`, ExitCode.CHECK_FAILED);
    }
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    // client-node sends its requests with undici's fetch, which rejects with "fetch failed" and the
    // cause; undici names a TCP connect that timed out UND_ERR_CONNECT_TIMEOUT (lib/core/errors.js).
    if (
      typeof code === 'string' &&
      /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|ENETUNREACH|UND_ERR_CONNECT_TIMEOUT)$/.test(code)
    ) {
      return new LabError(
        `Cannot reach the Kubernetes API at ${this.server} (${code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connect timeout' : code}). Is the cluster deployed (\`npx cdk deploy --all\`)? Then run \`${UPDATE_KUBECONFIG}\` and retry.`,
      );
    }
    const message = firstLine(err);
    // ws reports a refused upgrade as "Unexpected server response: <status>".
    const refused = /Unexpected server response: (\d{3})/.exec(message)?.[1];
    if (refused) {
      return new LabError(
        `The cluster refused the exec channel (${what}): HTTP ${refused}. ${refused === '403' ? 'Use an identity that may create pods/exec' : 'Check that `kubectl exec` works'}, then retry.`,
        ExitCode.CHECK_FAILED,
      );
    }
    return new LabError(`Kubernetes call failed (${what}): ${message}`);
  }
}

/** A 404, which the read methods turn into `undefined`. */
class NotFound extends LabError {
  constructor(what: string) {
    super(`Not found (${what}).`, ExitCode.CHECK_FAILED);
  }
}

function collector(chunks: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
}

function apiMessage(body: unknown): string {
  if (typeof body === 'string') {
    try {
      return firstLine((JSON.parse(body) as { message?: string }).message ?? body);
    } catch {
      return body.trim() === '' ? 'no message' : firstLine(body);
    }
  }
  const message = (body as { message?: string } | undefined)?.message;
  return message ? firstLine(message) : 'no message';
}

/** Reads the exit code out of the status the exec channel sends last. */
export function exitCodeOf(status: V1Status | undefined): number | undefined {
  if (!status) return undefined;
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  return cause?.message !== undefined ? Number(cause.message) : undefined;
}

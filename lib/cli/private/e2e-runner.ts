import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { E2eRunner, InterruptSource, LabRun, RunOptions } from './e2e-runner-types';

/** The programs `lab e2e` starts, each as its command line prefix. */
export interface E2eCommands {
  readonly cdk: readonly string[];
  readonly lab: readonly string[];
  readonly aws: readonly string[];
}

export interface ProcessRunnerOptions {
  /** The project root: `cdk` and `lab` run there. */
  readonly cwd: string;
  /** Where the children's own output goes: the user's stderr, so that stdout keeps only the report. */
  readonly output: NodeJS.WritableStream;
  /**
   * The command lines to start.
   * @default - this project's CDK CLI and lab CLI, and `aws` from the PATH
   */
  readonly commands?: Partial<E2eCommands>;
  /**
   * How long a stopped child gets after SIGINT before SIGTERM, and after SIGTERM before SIGKILL.
   * @default 10000
   */
  readonly graceMs?: number;
}

interface ChildResult {
  readonly code: number;
  readonly stdout: string;
  readonly lastError?: string;
}

/** Runs the CDK CLI, the lab CLI and the AWS CLI as child processes. */
export function createProcessRunner(options: ProcessRunnerOptions): E2eRunner {
  const commands: E2eCommands = {
    cdk: [process.execPath, require.resolve('aws-cdk/bin/cdk')],
    lab: [process.execPath, '--import', 'tsx', join(options.cwd, 'bin', 'lab.ts')],
    aws: ['aws'],
    ...options.commands,
  };
  const run = (command: readonly string[], args: readonly string[], runOptions: RunOptions, capture: boolean) =>
    runChild([...command, ...args], runOptions, { ...options, capture });
  return {
    cdk: async (args, runOptions) => (await run(commands.cdk, args, runOptions, false)).code,
    aws: async (args, runOptions) => (await run(commands.aws, args, runOptions, false)).code,
    lab: async (args, runOptions): Promise<LabRun> => {
      const result = await run(commands.lab, [...args, '--json'], runOptions, true);
      let json: unknown;
      try {
        json = result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
      } catch {
        // Not a lab JSON document: the exit code and stderr tell what happened.
      }
      return { code: result.code, json, error: result.lastError };
    },
  };
}

/**
 * Starts one child in its own process group, so that a Ctrl-C in the terminal reaches only
 * `lab e2e`, which decides what to stop: the destroy must not be cut short by the same keypress.
 */
function runChild(
  commandLine: readonly string[],
  runOptions: RunOptions,
  options: ProcessRunnerOptions & { readonly capture: boolean },
): Promise<ChildResult> {
  const [file, ...args] = commandLine;
  const grace = options.graceMs ?? 10_000;
  return new Promise((resolve) => {
    if (runOptions.signal.aborted) return resolve({ code: 130, stdout: '', lastError: 'stopped before it started' });
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...runOptions.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let lastError: string | undefined;
    const timers: NodeJS.Timeout[] = [];
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      signalGroup('SIGINT');
      timers.push(setTimeout(() => signalGroup('SIGTERM'), grace));
      timers.push(setTimeout(() => signalGroup('SIGKILL'), 2 * grace));
    };
    runOptions.signal.addEventListener('abort', stop, { once: true });

    if (options.capture) child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    else child.stdout.pipe(options.output, { end: false });
    child.stderr.on('data', (chunk) => {
      options.output.write(chunk);
      const lines = String(chunk)
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      if (lines.length > 0) lastError = lines[lines.length - 1];
    });
    const finish = (result: ChildResult) => {
      runOptions.signal.removeEventListener('abort', stop);
      for (const timer of timers) clearTimeout(timer);
      resolve(result);
    };
    child.on('error', (err: NodeJS.ErrnoException) =>
      finish({ code: err.code === 'ENOENT' ? 127 : 1, stdout, lastError: err.code === 'ENOENT' ? `${file} not found` : err.message }),
    );
    // A child ended by a signal exits 128 + its number, as a shell reports it.
    child.on('close', (code, signal) => finish({ code: code ?? 128 + signalNumber(signal), stdout, lastError }));
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 }[signal as string] ?? 1;
}

/** SIGINT (Ctrl-C) and SIGTERM (what CI runners send on cancel) of this process. */
export const PROCESS_INTERRUPTS: InterruptSource = {
  onInterrupt(handler) {
    const listener = (signal: NodeJS.Signals) => handler(signal);
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
};

/** Asks on the terminal; without one (CI, a pipe) the answer is no. */
export function terminalConfirm(input: NodeJS.ReadableStream & { readonly isTTY?: boolean }, output: NodeJS.WritableStream) {
  return (question: string): Promise<boolean> => {
    if (!input.isTTY) {
      output.write(`${question}\nNo terminal to answer on.\n`);
      return Promise.resolve(false);
    }
    const prompt = createInterface({ input, output });
    return new Promise((resolve) =>
      prompt.question(question, (answer) => {
        prompt.close();
        resolve(/^y(es)?$/i.test(answer.trim()));
      }),
    );
  };
}

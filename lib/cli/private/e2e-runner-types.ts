/**
 * What an end-to-end run drives, apart from how: `e2e.ts` runs the cycle through these, and
 * `e2e-runner.ts` implements them with child processes. Neither imports the other.
 */

/** How a child command is run: it stops when `signal` aborts. */
export interface RunOptions {
  readonly signal: AbortSignal;
  /** Added to the environment the command inherits. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a `lab` command printed with `--json`, and how it ended. */
export interface LabRun {
  readonly code: number;
  /** The JSON document on stdout, if it printed one. */
  readonly json?: unknown;
  /** The last line it wrote to stderr, for the report. */
  readonly error?: string;
}

/**
 * The programs an end-to-end run drives. The real one starts child processes;
 * tests give a fake, so nothing reaches AWS.
 */
export interface E2eRunner {
  /** The CDK CLI of this project (`npx cdk …`); resolves to its exit code. */
  cdk(args: readonly string[], options: RunOptions): Promise<number>;
  /** A `lab` command; `--json` is added. */
  lab(args: readonly string[], options: RunOptions): Promise<LabRun>;
  /** The AWS CLI, which mints the cluster tokens the kubeconfig asks for (`aws eks get-token`). */
  aws(args: readonly string[], options: RunOptions): Promise<number>;
}

/** Where SIGINT and SIGTERM come from. */
export interface InterruptSource {
  /** Calls `handler` with the signal's name on each interrupt; returns the function that stops listening. */
  onInterrupt(handler: (signal: string) => void): () => void;
}

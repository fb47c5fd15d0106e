/** How a `lab` command ends. */
export enum ExitCode {
  /** Everything it checked holds. */
  OK = 0,
  /** It could check, and something does not hold. */
  CHECK_FAILED = 1,
  /** It could not check: something it needs (credentials, kubeconfig, cloud assembly) is missing. */
  CANNOT_CHECK = 2,
}

/**
 * An error the user can act on. Its message is one line that says what is
 * wrong and what to do; the CLI prints it as is, without a stack trace.
 */
export class LabError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.CANNOT_CHECK,
  ) {
    super(message);
    this.name = 'LabError';
  }
}

/** The first line of any thrown value, for messages that must stay on one line. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}

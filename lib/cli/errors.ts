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

/**
 * The first non-empty line of any thrown value, for messages that must stay on one line.
 *
 * The AWS CLI prints its errors as "\n<message>\n" (awscli/utils.py `write_exception`), and
 * client-node's exec credential plugin rejects with that stderr as the message
 * (src/exec_auth.ts), so the first line alone would be empty. A failed exec websocket
 * handshake rejects with the `ws` ErrorEvent, which is no Error (src/web-socket-handler.ts,
 * `client.onerror = (err) => reject(err)`), and whose message is in `message` or `error`.
 */
export function firstLine(err: unknown): string {
  const text = messageOf(err);
  const line = text
    .split('\n')
    .map((part) => part.trim())
    .find((part) => part !== '');
  return line ?? (err instanceof Error ? err.name : 'no message');
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (err !== null && typeof err === 'object') {
    const event = err as { message?: unknown; error?: unknown; type?: unknown };
    if (typeof event.message === 'string' && event.message.trim() !== '') return event.message;
    if (event.error !== undefined && event.error !== err) return messageOf(event.error);
    if (typeof event.type === 'string') return `${event.type} event`;
    try {
      return JSON.stringify(err);
    } catch {
      return Object.prototype.toString.call(err);
    }
  }
  return String(err);
}

import Table from 'cli-table3';
import ora from 'ora';

/** Where a command writes: the process's streams, or buffers in tests. */
export interface Terminal {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** A visible "still working" line while a command waits. */
export interface Progress {
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  stop(): void;
}

/**
 * Prints a command's result for people, or as one JSON document with `--json`.
 * Human text goes to stdout; the spinner goes to stderr so that piping stdout stays clean.
 */
export class Output {
  constructor(
    private readonly terminal: Terminal,
    /** Print only the JSON document passed to `result`. */
    readonly json: boolean,
  ) {}

  /** A line for people; nothing in JSON mode. */
  say(text = ''): void {
    if (!this.json) this.terminal.stdout.write(`${text}\n`);
  }

  /** The command's machine-readable result; printed only in JSON mode. */
  result(data: unknown): void {
    if (this.json) this.terminal.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  }

  /** A table for people; nothing in JSON mode. */
  table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    if (this.json) return;
    // No colours: the table reads the same in a terminal, a CI log and a README.
    const table = new Table({ head: [...head], style: { head: [], border: [] }, wordWrap: true });
    for (const row of rows) table.push([...row]);
    this.say(table.toString());
  }

  /** A spinner on a terminal, a plain line elsewhere, nothing in JSON mode. */
  progress(text: string): Progress {
    const spinner = ora({
      text,
      stream: this.terminal.stderr,
      isEnabled: Boolean(this.terminal.stderr.isTTY),
      isSilent: this.json,
    }).start();
    return {
      update: (next) => {
        spinner.text = next;
      },
      succeed: (next) => {
        spinner.succeed(next);
      },
      fail: (next) => {
        spinner.fail(next);
      },
      stop: () => {
        spinner.stop();
      },
    };
  }

  /** A one-line error, in both modes. */
  error(text: string): void {
    this.terminal.stderr.write(`${text}\n`);
  }
}

/** ✓ or ✗, the mark every check table uses. */
export function mark(ok: boolean): string {
  return ok ? '✓' : '✗';
}

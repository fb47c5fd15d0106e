import Table from 'cli-table3';
import ora from 'ora';

/** Where a command writes: the process's streams, or buffers in tests. */
export interface Terminal {
  readonly stdout: NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
}

/** How wide a table may be when stdout is no terminal: a CI log, a file, a README. */
export const DEFAULT_TABLE_WIDTH = 100;

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
  private readonly spinners = new Set<ora.Ora>();

  constructor(
    private readonly terminal: Terminal,
    /** Print only the JSON document passed to `result`. */
    readonly json: boolean,
  ) {}

  /** A line for people; nothing in JSON mode. */
  say(text = ''): void {
    if (!this.json) this.terminal.stdout.write(`${text}\n`);
  }

  /** A paragraph for people, wrapped at spaces to the table width; nothing in JSON mode. */
  paragraph(text: string): void {
    if (!this.json) this.say(wrapText(text, this.width()));
  }

  /** The terminal's width (only a terminal's stream has `columns`), or 100 columns when stdout is no terminal. */
  private width(): number {
    return this.terminal.stdout.columns || DEFAULT_TABLE_WIDTH;
  }

  /** The command's machine-readable result; printed only in JSON mode. */
  result(data: unknown): void {
    if (this.json) this.terminal.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
  }

  /**
   * A table for people; nothing in JSON mode. It fits the terminal's width, or 100 columns when
   * stdout is no terminal: the widest columns wrap their text.
   */
  table(head: readonly string[], rows: readonly (readonly string[])[]): void {
    if (this.json) return;
    const widths = columnWidths([head, ...rows], this.width());
    // Wrapped here rather than by cli-table3, which cuts a word longer than its column.
    const wrap = (row: readonly string[]) => row.map((cell, i) => wrapText(cell, widths[i] - 2));
    // No colours: the table reads the same in a terminal, a CI log and a README.
    const table = new Table({ head: wrap(head), style: { head: [], border: [] }, colWidths: widths });
    for (const row of rows) table.push(wrap(row));
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
    this.spinners.add(spinner);
    return {
      update: (next) => {
        spinner.text = next;
      },
      succeed: (next) => {
        this.spinners.delete(spinner);
        spinner.succeed(next);
      },
      fail: (next) => {
        this.spinners.delete(spinner);
        spinner.fail(next);
      },
      stop: () => {
        this.spinners.delete(spinner);
        spinner.stop();
      },
    };
  }

  /** Clears every spinner still running, e.g. before the line that says why a command failed. */
  stopProgress(): void {
    for (const spinner of this.spinners) spinner.stop();
    this.spinners.clear();
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

/**
 * Column widths (padding included) that fit `width` with the table's borders: each column as wide
 * as its longest line, then the widest column narrowed, one character at a time, until the table
 * fits. Columns keep their longest word while others can give way, and 6 characters at least.
 */
export function columnWidths(rows: readonly (readonly string[])[], width: number): number[] {
  const columns = Math.max(...rows.map((row) => row.length));
  // One padding space each side of a cell.
  const longest = (i: number, split: RegExp) =>
    Math.max(0, ...rows.flatMap((row) => (row[i] ?? '').split(split).map((part) => part.length))) + 2;
  const widths = Array.from({ length: columns }, (_, i) => longest(i, /\n/));
  // A border before each column and one after the last.
  const available = width - (columns + 1);
  const total = () => widths.reduce((sum, w) => sum + w, 0);
  for (const minimums of [widths.map((_, i) => longest(i, /\s+/)), widths.map(() => 8)]) {
    while (total() > available) {
      const narrowable = widths.map((w, i) => (w > minimums[i] ? w : -1));
      const widest = narrowable.indexOf(Math.max(...narrowable));
      if (narrowable[widest] < 0) break;
      widths[widest] -= 1;
    }
  }
  return widths;
}

/** Wraps text at spaces so that no line is longer than `width`; a longer word is split. */
export function wrapText(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      const indent = /^\s*/.exec(line)![0];
      const lines: string[] = [];
      let current = '';
      for (const whole of line.trim().split(/ +/)) {
        const room = Math.max(1, width - indent.length);
        const pieces = whole.length > room ? (whole.match(new RegExp(`.{1,${room}}`, 'g')) ?? [whole]) : [whole];
        for (const word of pieces) {
          if (current.trim() && current.length + 1 + word.length > width) {
            lines.push(current);
            current = indent + word;
          } else current = current.trim() ? `${current} ${word}` : indent + word;
        }
      }
      lines.push(current);
      return lines.join('\n');
    })
    .join('\n');
}

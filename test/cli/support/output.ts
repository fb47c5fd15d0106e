import { Writable } from 'node:stream';
import { Output, Terminal } from '../../../lib/cli/output';

/** A terminal whose output the test reads back. */
export class CapturedTerminal implements Terminal {
  private out = '';
  private err = '';
  /**
   * As wide as a wide terminal, so that a table row reads on one line; a test of the wrapping
   * sets its own width, or none for a pipe's 100 columns.
   */
  readonly stdout: Writable & { columns?: number } = Object.assign(
    new Writable({
      write: (chunk, _encoding, done) => {
        this.out += String(chunk);
        done();
      },
    }),
    { columns: 400 },
  );
  readonly stderr = new Writable({
    write: (chunk, _encoding, done) => {
      this.err += String(chunk);
      done();
    },
  });

  get text(): string {
    return this.out;
  }

  get errors(): string {
    return this.err;
  }

  /** The single JSON document a `--json` command printed. */
  json<T = any>(): T {
    return JSON.parse(this.out) as T;
  }

  output(json = false): Output {
    return new Output(this, json);
  }
}

/** A clock that never waits: each sleep moves time forward. */
export function fakeClock(start = Date.parse('2026-11-26T12:00:00Z')) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

import { PassThrough, Writable } from 'node:stream';
import { PROCESS_INTERRUPTS, createProcessRunner, terminalConfirm } from '../../lib/cli/private/e2e-runner';

/** Collects what the children wrote. */
function sink() {
  let text = '';
  const stream = new Writable({
    write: (chunk, _encoding, done) => {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** A node one-liner standing in for a program; its arguments follow `--`. */
const node = (script: string) => [process.execPath, '-e', script, '--'];
const running = () => ({ signal: new AbortController().signal });

describe('the process runner of lab e2e', () => {
  test("relays a child's stdout and stderr to the output stream, passes its arguments and returns its exit code", async () => {
    const out = sink();
    const runner = createProcessRunner({
      cwd: process.cwd(),
      output: out.stream,
      commands: { cdk: node('console.log("cdk", process.argv.slice(1).join(" ")); console.error("to stderr"); process.exit(3)') },
    });
    expect(await runner.cdk(['deploy', '--all'], running())).toBe(3);
    expect(out.text()).toContain('cdk deploy --all\n');
    expect(out.text()).toContain('to stderr\n');
  });

  test('gives a lab command --json, parses its stdout, keeps its last error line and passes the extra environment', async () => {
    const out = sink();
    const runner = createProcessRunner({
      cwd: process.cwd(),
      output: out.stream,
      commands: {
        lab: node(
          'console.log(JSON.stringify({ args: process.argv.slice(1), extra: process.env.LAB_E2E_EXTRA })); console.error("first\\nlast line"); process.exit(1)',
        ),
      },
    });
    const result = await runner.lab(['verify', 'irsa'], { ...running(), env: { LAB_E2E_EXTRA: 'passed on' } });
    expect(result).toEqual({
      code: 1,
      json: { args: ['verify', 'irsa', '--json'], extra: 'passed on' },
      error: 'last line',
    });
    // The JSON is the runner's to read; only stderr reaches the user.
    expect(out.text()).toBe('first\nlast line\n');
  });

  test('GIVEN a running child WHEN the run aborts THEN the child gets SIGINT', async () => {
    const out = sink();
    const runner = createProcessRunner({
      cwd: process.cwd(),
      output: out.stream,
      commands: {
        cdk: node(
          'process.on("SIGINT", () => { console.log("got SIGINT"); process.exit(130); }); console.log("ready"); setInterval(() => {}, 1000)',
        ),
      },
    });
    const controller = new AbortController();
    const code = runner.cdk(['deploy'], { signal: controller.signal });
    await waitFor(() => out.text().includes('ready'));
    controller.abort();
    expect(await code).toBe(130);
    expect(out.text()).toContain('got SIGINT');
  });

  test('GIVEN a child that ignores SIGINT and SIGTERM WHEN the run aborts THEN it is killed after the grace periods', async () => {
    const out = sink();
    const runner = createProcessRunner({
      cwd: process.cwd(),
      output: out.stream,
      graceMs: 200,
      commands: {
        cdk: node(
          'for (const s of ["SIGINT", "SIGTERM"]) process.on(s, () => console.log("ignored " + s)); console.log("ready"); setInterval(() => {}, 1000)',
        ),
      },
    });
    const controller = new AbortController();
    const code = runner.cdk(['deploy'], { signal: controller.signal });
    await waitFor(() => out.text().includes('ready'));
    controller.abort();
    expect(await code).toBe(128 + 9);
    expect(out.text()).toContain('ignored SIGINT');
    expect(out.text()).toContain('ignored SIGTERM');
  });

  test('reports a program that is not installed as exit code 127', async () => {
    const runner = createProcessRunner({ cwd: process.cwd(), output: sink().stream, commands: { aws: ['no-such-aws-cli-here'] } });
    expect(await runner.aws(['--version'], running())).toBe(127);
  });

  test('starts nothing once the run is aborted', async () => {
    const out = sink();
    const runner = createProcessRunner({ cwd: process.cwd(), output: out.stream, commands: { cdk: node('console.log("started")') } });
    const controller = new AbortController();
    controller.abort();
    expect(await runner.cdk(['destroy'], { signal: controller.signal })).toBe(130);
    expect(out.text()).toBe('');
  });
});

describe('interrupts and the confirmation of lab e2e', () => {
  test('hears SIGINT and SIGTERM of this process until told to stop listening', () => {
    const heard: string[] = [];
    const stop = PROCESS_INTERRUPTS.onInterrupt((signal) => heard.push(signal));
    process.emit('SIGINT', 'SIGINT');
    process.emit('SIGTERM', 'SIGTERM');
    stop();
    expect(heard).toEqual(['SIGINT', 'SIGTERM']);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  test('answers no without a terminal, and says why', async () => {
    const out = sink();
    const input = Object.assign(new PassThrough(), { isTTY: false });
    expect(await terminalConfirm(input, out.stream)('Run it? [y/N] ')).toBe(false);
    expect(out.text()).toContain('No terminal to answer on.');
  });

  test.each([
    ['y', true],
    ['yes', true],
    ['', false],
    ['n', false],
  ])('on a terminal, %p means %p', async (answer, expected) => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const asked = terminalConfirm(input, sink().stream)('Run it? [y/N] ');
    input.write(`${answer}\n`);
    expect(await asked).toBe(expected);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

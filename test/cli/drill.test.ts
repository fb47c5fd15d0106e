import { ExitCode } from '../../lib/cli/errors';
import { runLab } from '../../lib/cli/program';
import { DRILLS } from '../../lib/drills';
import { Drill } from '../../lib/lab-config';
import { CapturedTerminal } from './support/output';

/** The cells of one table row, continuation lines included, as one string per column. */
function tableRows(text: string): string[][] {
  const rows: string[][] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('├') || line.startsWith('└')) {
      if (current) rows.push(current.map((cell) => cell.trim()));
      current = undefined;
    } else if (line.startsWith('│')) {
      const cells = line.split('│').slice(1, -1);
      current = current ? current.map((cell, i) => `${cell} ${cells[i].trim()}`.trim()) : cells.map((c) => c.trim());
    }
  }
  return rows;
}

describe('lab drill', () => {
  test('lists every drill with its scenario and what it breaks, in a table no wider than 100 columns', async () => {
    const terminal = new CapturedTerminal();
    // A pipe: no terminal width.
    terminal.stdout.columns = undefined;
    expect(await runLab(['drill'], { terminal, env: {} })).toBe(ExitCode.OK);
    // The header row, then one row per drill.
    expect(tableRows(terminal.text).slice(1)).toEqual(
      Object.values(Drill).map((drill) => [drill, expect.stringMatching(/^(irsa|pod-identity)$/), DRILLS[drill].breaks]),
    );
    for (const line of terminal.text.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    expect(terminal.text).toContain('`npm run lab -- drill <name>` shows how to deploy one and how to undo it.');
    expect(terminal.text).toContain('Back to the healthy lab: deploy the stack without -c drill');
  });

  test('wraps to the terminal when stdout is one', async () => {
    const terminal = new CapturedTerminal();
    Object.assign(terminal.stdout, { isTTY: true, columns: 72 });
    await runLab(['drill'], { terminal, env: {} });
    const widths = terminal.text.split('\n').map((line) => line.length);
    expect(Math.max(...widths)).toBeLessThanOrEqual(72);
    expect(Math.max(...widths)).toBeGreaterThan(60);
  });

  test('with a name, shows that drill: how to deploy it in order, and how to undo it', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['drill', 'pod-identity-pods-first'], { terminal, env: {} })).toBe(ExitCode.OK);
    expect(terminal.text).toContain(
      [
        'Deploy it:',
        '  npx cdk destroy eks-oidc-demo-pod-identity',
        '  npx cdk deploy eks-oidc-demo-pod-identity -c drill=pod-identity-pods-first',
      ].join('\n'),
    );
    expect(terminal.text).toContain('npm run lab -- verify pod-identity');
    expect(terminal.text).toMatch(/Undo it: npx cdk deploy eks-oidc-demo-pod-identity\n$/);
    // The other drills are not shown.
    expect(terminal.text).not.toContain('irsa-aud-typo');
  });

  test('fails on an unknown drill name, listing the known ones', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['drill', 'irsa-typo'], { terminal, env: {} })).toBe(ExitCode.CANNOT_CHECK);
    expect(terminal.errors).toContain(`Allowed choices are ${Object.values(Drill).join(', ')}.`);
  });

  test('--json lists the deploy and undo commands, and never what the pods print: that is for the reader to predict', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['drill', '--json'], { terminal, env: {} })).toBe(ExitCode.OK);
    const { drills } = terminal.json();
    expect(drills.map((d: { drill: string }) => d.drill)).toEqual(Object.values(Drill));
    expect(drills.find((d: { drill: string }) => d.drill === Drill.IRSA_NO_OIDC_PROVIDER)).toEqual({
      drill: 'irsa-no-oidc-provider',
      scenario: 'irsa',
      stack: 'eks-oidc-demo-irsa',
      breaks: DRILLS[Drill.IRSA_NO_OIDC_PROVIDER].breaks,
      deploy: ['npx cdk deploy eks-oidc-demo-irsa -c drill=irsa-no-oidc-provider', 'npm run lab -- rerun irsa'],
      undo: 'npx cdk deploy eks-oidc-demo-irsa',
    });
    expect(terminal.text).not.toMatch(/An error occurred|Unable to locate credentials|Error when retrieving/);
  });

  test('--json with a name prints that drill alone', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['drill', 'irsa-aud-typo', '--json'], { terminal, env: {} })).toBe(ExitCode.OK);
    expect(terminal.json().drill).toEqual(expect.objectContaining({ drill: 'irsa-aud-typo', undo: 'npx cdk deploy eks-oidc-demo-irsa' }));
  });
});

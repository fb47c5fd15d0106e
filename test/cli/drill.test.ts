import { ExitCode } from '../../lib/cli/errors';
import { runLab } from '../../lib/cli/program';
import { DRILLS } from '../../lib/drills';
import { Drill } from '../../lib/lab-config';
import { CapturedTerminal } from './support/output';

describe('lab drill', () => {
  test('lists every drill with its scenario and what it breaks, and how to deploy and undo it', async () => {
    const terminal = new CapturedTerminal();
    expect(await runLab(['drill'], { terminal, env: {} })).toBe(ExitCode.OK);
    for (const drill of Object.values(Drill)) {
      expect(terminal.text).toMatch(new RegExp(`│ ${drill} +│ (irsa|pod-identity) +│ ${escape(DRILLS[drill].breaks)} +│`));
    }
    expect(terminal.text).toContain('irsa-aud-typo: `npx cdk deploy eks-oidc-demo-irsa -c drill=irsa-aud-typo`');
    expect(terminal.text).toContain(
      'pod-identity-pods-first: `npx cdk destroy eks-oidc-demo-pod-identity`, then `npx cdk deploy eks-oidc-demo-pod-identity -c drill=pod-identity-pods-first`',
    );
    expect(terminal.text).toContain('Back to the healthy lab: deploy the stack without -c drill');
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
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

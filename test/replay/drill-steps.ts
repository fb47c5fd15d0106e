import { DRILLS, drillStackName } from '../../lib/drills';
import { Drill } from '../../lib/lab-config';
import { ScenarioId } from '../../lib/scenarios';
import { LabReplay, StepOutcome } from './lab-replay';

/**
 * Deploys a drill over the running lab as `npm run lab -- drill` tells a user to: what to run
 * before (pods-first destroys its stack), `npx cdk deploy <stack> -c drill=<name>`, what to run
 * after (no-oidc-provider reruns the IRSA pod). The outcome covers the three.
 */
export async function deployDrill(lab: LabReplay, drill: Drill): Promise<StepOutcome> {
  const stack = drillStackName(drill);
  const guide = DRILLS[drill];
  const steps: StepOutcome[] = [];
  if (guide.beforeDeploy) {
    assertCommand(guide.beforeDeploy.command, `npx cdk destroy ${stack}`);
    steps.push(await lab.destroy({ stacks: [stack] }));
  }
  steps.push(await lab.deploy({ drill }, { stacks: [stack] }));
  if (guide.afterDeploy) {
    assertCommand(guide.afterDeploy.command, 'npm run lab -- rerun irsa');
    steps.push(await lab.rerun(ScenarioId.IRSA, { drill }));
  }
  return combined(steps);
}

/** "Deploy the drilled stack without `-c drill`" (README, Back to the healthy lab). */
export function undoDrill(lab: LabReplay, drill: Drill): Promise<StepOutcome> {
  return lab.deploy({}, { stacks: [drillStackName(drill)] });
}

/** A guide's command the replay knows how to run, or a failed test that says which it does not. */
function assertCommand(command: string, known: string): void {
  if (command !== known) throw new Error(`The replay runs \`${known}\`, but the drill guide now says \`${command}\``);
}

/** Steps run one after another, as one: the first failure, the last state, everything created on the way. */
function combined(steps: StepOutcome[]): StepOutcome {
  const last = steps[steps.length - 1];
  const created = new Set(steps.flatMap((s) => s.created));
  return {
    ...last,
    command: steps.map((s) => s.command).join(' && '),
    failure: steps.find((s) => s.failure)?.failure,
    created: [...created].filter((key) => key in last.pods),
    gone: [...new Set(steps.flatMap((s) => s.gone))].filter((key) => !(key in last.pods)),
  };
}

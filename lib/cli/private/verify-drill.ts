import { DRILLS } from '../../drills';
import { DRILL_OUTCOMES } from '../../scenarios';
import { RecordedDrill } from '../assembly';
import { Output } from '../output';

/** Says which drill `lab verify` expects, from the cloud assembly, and what to run before its pods show it. */
export function printDrill(out: Output, recorded: RecordedDrill | undefined): void {
  if (!recorded) return;
  const { drill, stackName } = recorded;
  const guide = DRILLS[drill];
  out.say(
    `Drill from the cloud assembly: ${drill} (recorded in ${stackName}), so ${DRILL_OUTCOMES[drill].scenario} is checked against the drill's outcome. ${guide.breaks}`,
  );
  if (guide.beforeDeploy)
    out.say(`  This drill shows only if it was deployed after \`${guide.beforeDeploy.command}\`: ${guide.beforeDeploy.why}`);
  if (guide.afterDeploy) out.say(`  Run \`${guide.afterDeploy.command}\` once after deploying it: ${guide.afterDeploy.why}`);
}

import { DRILLS, drillDeployCommand, drillStackName } from '../drills';
import { Drill } from '../lab-config';
import { DRILL_OUTCOMES } from '../scenarios';
import { ExitCode } from './errors';
import { Output } from './output';

/** One drill, as `lab drill` lists it. */
export interface DrillListing {
  readonly drill: Drill;
  readonly scenario: string;
  readonly stack: string;
  readonly breaks: string;
  /** The commands that deploy it, in order. */
  readonly deploy: readonly string[];
  /** The command that brings the healthy scenario back. */
  readonly undo: string;
}

/** Every drill, with the commands that deploy it and undo it. */
export function drillListings(): DrillListing[] {
  return Object.values(Drill).map((drill) => {
    const guide = DRILLS[drill];
    const stack = drillStackName(drill);
    return {
      drill,
      scenario: DRILL_OUTCOMES[drill].scenario,
      stack,
      breaks: guide.breaks,
      deploy: [guide.beforeDeploy?.command, drillDeployCommand(drill), guide.afterDeploy?.command].filter(
        (c): c is string => c !== undefined,
      ),
      undo: `npx cdk deploy ${stack}`,
    };
  });
}

/**
 * `lab drill`: lists the known mistakes the lab can deploy on purpose and what each breaks,
 * without what the pods then print: the README asks you to predict that first.
 */
export function runDrill(out: Output): ExitCode {
  const listings = drillListings();
  out.result({ drills: listings });
  out.table(
    ['drill', 'scenario', 'what it breaks'],
    listings.map((l) => [l.drill, l.scenario, l.breaks]),
  );
  out.say('Deploy one, predict what its s3 ls pod prints and who CloudTrail names, then look (README, "Drills"):');
  for (const listing of listings) out.say(`  ${listing.drill}: ${listing.deploy.map((c) => `\`${c}\``).join(', then ')}`);
  out.say('Then: `npm run lab -- verify <scenario>` checks the outcome, `npm run lab -- doctor` names the mistake.');
  out.say('Back to the healthy lab: deploy the stack without -c drill, e.g. `npx cdk deploy eks-oidc-demo-irsa`.');
  return ExitCode.OK;
}

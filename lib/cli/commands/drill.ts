import { DRILLS, drillDeployCommand, drillStackName } from '../../drills';
import { Drill } from '../../lab-config';
import { DRILL_OUTCOMES } from '../../scenarios';
import { ExitCode } from '../errors';
import { Output } from '../output';

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
export function runDrill(out: Output, name?: Drill): ExitCode {
  if (name) return showDrill(out, name);
  const listings = drillListings();
  out.result({ drills: listings });
  out.table(
    ['drill', 'scenario', 'what it breaks'],
    listings.map((l) => [l.drill, l.scenario, l.breaks]),
  );
  out.paragraph(
    '`npm run lab -- drill <name>` shows how to deploy one and how to undo it. Deploy it, predict what its s3 ls pod ' +
      'prints and who CloudTrail names, then look (README, "Drills"): `npm run lab -- verify <scenario>` checks the ' +
      'outcome, `npm run lab -- doctor` names the mistake.',
  );
  out.paragraph('Back to the healthy lab: deploy the stack without -c drill, e.g. `npx cdk deploy eks-oidc-demo-irsa`.');
  return ExitCode.OK;
}

/** `lab drill <name>`: one drill, with how to deploy it, how to undo it, and the question to answer first. */
function showDrill(out: Output, name: Drill): ExitCode {
  const listing = drillListings().find((l) => l.drill === name)!;
  out.result({ drill: listing });
  out.say(`${listing.drill} (scenario ${listing.scenario}, stack ${listing.stack})`);
  out.say();
  out.paragraph(`What it breaks: ${listing.breaks}`);
  out.say();
  out.say('Deploy it:');
  for (const command of listing.deploy) out.say(`  ${command}`);
  out.say();
  out.say(`Predict what the ${listing.scenario} s3 ls pod prints and who CloudTrail names, then look:`);
  out.say(`  npm run lab -- verify ${listing.scenario}    (checks the outcome)`);
  out.say('  npm run lab -- doctor    (names the mistake)');
  out.paragraph(`The answer is in the README, "Drills". Undo it: ${listing.undo}`);
  return ExitCode.OK;
}

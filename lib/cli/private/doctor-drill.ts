import { DRILLS } from '../../drills';
import { DRILL_OUTCOMES } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { LabError } from '../errors';
import { CLUSTER_SCOPE, FindingList } from './findings';

/**
 * Names the drill the lab was synthesized with, from the template metadata. The other checks
 * name the mistake itself from the resources; this one says it is there on purpose, and how to
 * go back to the healthy lab.
 */
export function checkRecordedDrill(assembly: LabAssembly, findings: FindingList): void {
  let recorded;
  try {
    recorded = assembly.drill();
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    findings.fail(CLUSTER_SCOPE, 'drill', err.message, 'Synthesize with the current lab: `npx cdk synth --quiet`.');
    return;
  }
  if (!recorded) return;
  const { drill, stackName } = recorded;
  findings.fail(
    DRILL_OUTCOMES[drill].scenario,
    'drill',
    `${stackName} was synthesized with -c drill=${drill}, which breaks it on purpose: ${DRILLS[drill].breaks}`,
    `${DRILLS[drill].fix} Back to the healthy lab: \`npx cdk deploy ${stackName}\`, without -c drill.`,
  );
}

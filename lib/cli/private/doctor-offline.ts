import { LabToggles, SCENARIOS, ScenarioId } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { RULES } from '../rules';
import { nodeImds } from '../rules/imds/node-imds';
import { modelFromAssembly } from '../sources/assembly';
import { checkClusterStack, recordedToggles } from './doctor-cluster-stack';
import { checkCreationOrder, checkRoleFirst } from './doctor-creation-order';
import { checkRecordedDrill } from './doctor-drill';
import { ruleChecks } from './doctor-rules';
import { checkAssociation, checkRoleAnnotation, checkScenarioObjects } from './doctor-scenario-objects';
import { checkNoSecretMaterial } from './doctor-secret-material';
import { FindingList } from './findings';

/** The result of the offline checks. */
export interface OfflineReport {
  readonly findings: FindingList;
  /** Scenario stacks the assembly does not hold, so nothing was checked for them. */
  readonly skipped: readonly { readonly scenario: ScenarioId; readonly stackName: string }[];
  /** The toggles the node-role stack recorded, if any. */
  readonly toggles?: LabToggles;
}

/** The scenarios with a Pod Identity association of their own (old-sdk shares pod-identity's). */
const POD_IDENTITY_SCENARIOS: readonly ScenarioId[] = [ScenarioId.POD_IDENTITY, ScenarioId.PRECEDENCE];

/**
 * Synth knows no instances: the assembly source gives each node its node group's launch template
 * settings, which EKSIMDS2 names at the field a deploy changes. EKSIMDS1 would name them twice.
 */
const ASSEMBLY_RULES = RULES.filter((rule) => rule.id !== nodeImds.id);

/**
 * Checks the cloud assembly for the mistakes that break a scenario, without AWS or a cluster: the
 * rules `lab audit` runs, over the lab as the deploy would leave the cluster, and what only the
 * lab's templates show (its toggles and drill, what each scenario is meant to have, what
 * CloudFormation creates first, secret material).
 */
export function offlineChecks(assembly: LabAssembly): OfflineReport {
  const findings = new FindingList();
  const toggles = recordedToggles(assembly, findings);
  checkRecordedDrill(assembly, findings);
  checkClusterStack(assembly, findings, toggles);

  const skipped: { scenario: ScenarioId; stackName: string }[] = [];
  for (const scenario of SCENARIOS) {
    const stack = assembly.stack(scenario.stackName);
    if (!stack) {
      skipped.push({ scenario: scenario.id, stackName: scenario.stackName });
      continue;
    }
    const podsThere = checkScenarioObjects(stack, scenario, findings);
    if (scenario.id === ScenarioId.IRSA) checkRoleAnnotation(stack, scenario, findings);
    // EKS Pod Identity since its launch: each scenario with probes has its own association.
    if (POD_IDENTITY_SCENARIOS.includes(scenario.id) || scenario.probes) checkAssociation(stack, scenario, findings);
    if (!podsThere) continue;
    if (scenario.id === ScenarioId.IRSA) checkRoleFirst(stack, scenario, findings);
    checkCreationOrder(stack, scenario, findings);
  }
  for (const stack of assembly.stacks) checkNoSecretMaterial(stack, findings);
  ruleChecks(modelFromAssembly(assembly), toggles, findings, ASSEMBLY_RULES);
  return { findings, skipped, toggles };
}

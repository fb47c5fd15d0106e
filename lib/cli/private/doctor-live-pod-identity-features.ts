import { PodIdentityAssociation } from '@aws-sdk/client-eks';
import { LAB_CLUSTER } from '../../cluster-contract';
import { SESSION_POLICY_MAX_CHARS } from '../../lab-names';
import { SCENARIOS, Scenario, ScenarioId } from '../../scenarios';
import { AwsClients } from '../aws-clients';
import { firstLine } from '../errors';
import { LabKube } from '../kube';
import { FindingList } from './findings';
import { POD_IDENTITY_INJECTED_ENV, envNames } from './kube-names';
import { associationsOf } from './pod-identity-associations';

/** What each feature scenario's association must have in EKS, in words and as a test. */
const NEEDS: Partial<Record<ScenarioId, { readonly what: string; readonly holds: (a: PodIdentityAssociation) => boolean }>> = {
  [ScenarioId.ABAC_TEAM_A]: { what: 'session tags enabled', holds: (a) => !a.disableSessionTags },
  [ScenarioId.ABAC_TEAM_B]: { what: 'session tags enabled', holds: (a) => !a.disableSessionTags },
  [ScenarioId.ROLE_CHAINING]: { what: 'a target role', holds: (a) => Boolean(a.targetRoleArn) },
  [ScenarioId.SESSION_POLICY]: {
    what: `session tags disabled and a session policy of at most ${SESSION_POLICY_MAX_CHARS} characters`,
    holds: (a) => a.disableSessionTags === true && a.policy !== undefined && a.policy.length <= SESSION_POLICY_MAX_CHARS,
  },
};

/**
 * Checks the deployed Pod Identity feature scenarios: each association as EKS holds it, and that
 * the webhook injected container credentials into every pod.
 */
export async function livePodIdentityFeatureChecks(
  aws: AwsClients,
  kube: LabKube,
  deployed: ReadonlySet<ScenarioId>,
  findings: FindingList,
): Promise<void> {
  for (const scenario of SCENARIOS.filter((s) => s.probes && deployed.has(s.id))) {
    await checkAssociation(aws, scenario, findings);
    await checkPods(kube, scenario, findings);
  }
}

async function checkAssociation(aws: AwsClients, scenario: Scenario, findings: FindingList): Promise<void> {
  const where = `${scenario.namespace}/${scenario.serviceAccount}`;
  const [association] = await associationsOf(aws, scenario.namespace, scenario.serviceAccount);
  if (!association) {
    findings.fail(
      scenario.id,
      'association in EKS',
      `EKS has no Pod Identity association for ${where} in ${LAB_CLUSTER.name}: the pods get no credentials.`,
      `Deploy ${scenario.stackName}: \`npx cdk deploy ${scenario.stackName}\`.`,
    );
    return;
  }
  const need = NEEDS[scenario.id];
  const shown = [
    association.roleArn ?? '?',
    association.targetRoleArn ? `then ${association.targetRoleArn}` : undefined,
    association.disableSessionTags ? 'session tags disabled' : 'session tags on',
    association.policy ? `session policy of ${association.policy.length} characters` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  if (need && !need.holds(association)) {
    findings.fail(
      scenario.id,
      'association in EKS',
      `${association.associationId} for ${where} has ${shown}, but the scenario needs ${need.what}.`,
      `Deploy ${scenario.stackName} again, or compare with \`aws eks describe-pod-identity-association --cluster-name ${LAB_CLUSTER.name} --association-id ${association.associationId}\`.`,
    );
  } else {
    findings.pass(scenario.id, 'association in EKS', `${association.associationId} links ${where} to ${shown}.`);
  }
}

async function checkPods(kube: LabKube, scenario: Scenario, findings: FindingList): Promise<void> {
  for (const { pod: name } of scenario.probes ?? []) {
    let pod;
    try {
      pod = await kube.readPod(scenario.namespace, name);
    } catch (err) {
      findings.fail(
        scenario.id,
        'injected env',
        `Cannot read pod ${scenario.namespace}/${name}: ${firstLine(err)}`,
        'Check your cluster access, then retry.',
      );
      continue;
    }
    if (!pod) {
      findings.fail(scenario.id, 'injected env', `Pod ${scenario.namespace}/${name} does not exist.`, `Deploy ${scenario.stackName}.`);
      continue;
    }
    const missing = POD_IDENTITY_INJECTED_ENV.filter((variable) => !envNames(pod.spec as never).includes(variable));
    if (missing.length > 0) {
      findings.fail(
        scenario.id,
        'injected env',
        `Pod ${scenario.namespace}/${name} lacks ${missing.join(', ')}: the EKS Pod Identity webhook did not mutate it, so it was created before its association was in effect.`,
        `Recreate it now that the association is in effect: \`npm run lab -- rerun ${scenario.id} --pod ${name}\`.`,
      );
    } else {
      findings.pass(scenario.id, 'injected env', `Pod ${scenario.namespace}/${name} has ${POD_IDENTITY_INJECTED_ENV.join(', ')}.`);
    }
  }
}

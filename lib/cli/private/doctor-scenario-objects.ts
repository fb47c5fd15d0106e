import { LAB_CLUSTER } from '../../cluster-contract';
import { IRSA_ROLE_ANNOTATION } from '../../lab-names';
import { Scenario } from '../../scenarios';
import { StackTemplate } from '../assembly';
import { FindingList } from './findings';
import { findObject, roleIdFromArn, scenarioPods } from './doctor-scenario-pods';

/**
 * What a scenario of the lab is meant to have, which no rule can know about a cluster: its pods,
 * run as its service account, which exists; for IRSA the annotation, for Pod Identity the
 * association. Whether what is there works is the shared rules' to say.
 * @returns whether the scenario's pods are there, for the checks of what comes before them
 */
export function checkScenarioObjects(stack: StackTemplate, scenario: Scenario, findings: FindingList): boolean {
  if (!checkPods(stack, scenario, findings)) return false;
  if (scenario.serviceAccount === 'default') {
    findings.pass(scenario.id, 'pod service account', `Pods in ${scenario.namespace} run as the default service account.`);
    return true;
  }
  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  if (!account) {
    findings.fail(
      scenario.id,
      'service account',
      `${stack.stackName} creates no service account ${scenario.namespace}/${scenario.serviceAccount}.`,
      'Create it in the identity manifest, before the pods.',
    );
  }
  return true;
}

/** Whether the scenario's pods are all there; says which run as another service account. */
function checkPods(stack: StackTemplate, scenario: Scenario, findings: FindingList): boolean {
  const pods = scenarioPods(stack, scenario);
  const expectedCount = scenario.probes ? scenario.probes.length : scenario.sleepPod ? 2 : 1;
  if (pods.length < expectedCount) {
    findings.fail(
      scenario.id,
      'pods',
      `${stack.stackName} has no manifest with pod ${scenario.namespace}/${scenario.s3LsPod}${scenario.sleepPod ? ` and ${scenario.sleepPod}` : ''}.`,
      'Keep the pod names of lib/scenarios.ts in the scenario stack.',
    );
    return false;
  }
  for (const pod of pods) {
    const account = pod.spec.serviceAccountName ?? 'default';
    if (account !== scenario.serviceAccount) {
      findings.fail(
        scenario.id,
        'pod service account',
        `Pod ${scenario.namespace}/${pod.name} runs as ${account}, not ${scenario.serviceAccount}.`,
        `Set serviceAccountName: ${scenario.serviceAccount} on the pod.`,
      );
    }
  }
  return true;
}

/**
 * The IRSA scenario's service account carries the annotation. Without it nothing in the cluster
 * says a role was meant: the rules see the pods fall back to the node role (EKSIMDS3).
 */
export function checkRoleAnnotation(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  if (!account) return;
  const annotation = account.object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION];
  if (!annotation) {
    findings.fail(
      scenario.id,
      'role annotation',
      `Service account ${scenario.namespace}/${scenario.serviceAccount} has no ${IRSA_ROLE_ANNOTATION} annotation, so the webhook injects nothing and the SDK silently falls back to the node role.`,
      `Annotate it with ${IRSA_ROLE_ANNOTATION}: <role ARN>.`,
    );
    return;
  }
  const roleId = roleIdFromArn(annotation);
  findings.pass(
    scenario.id,
    'role annotation',
    `Service account ${scenario.namespace}/${scenario.serviceAccount} is annotated with ${roleId ? `the ARN of ${roleId}` : annotation}.`,
  );
}

/**
 * A Pod Identity scenario has an association for the service account its pods run as, in the
 * lab's cluster. Whether its role trusts EKS is EKSPI1's to say; one for a service account that
 * does not exist is EKSPI5's.
 */
export function checkAssociation(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const associations = stack.resourcesOfType('AWS::EKS::PodIdentityAssociation');
  const matching = associations.filter(
    ({ resource }) =>
      stack.property(resource, 'Namespace') === scenario.namespace &&
      stack.property(resource, 'ServiceAccount') === scenario.serviceAccount,
  );
  if (matching.length === 0) {
    const others = associations.map(
      ({ logicalId, resource }) =>
        `${logicalId} names ${String(stack.property(resource, 'Namespace'))}/${String(stack.property(resource, 'ServiceAccount'))}`,
    );
    findings.fail(
      scenario.id,
      'association',
      `No Pod Identity association for ${scenario.namespace}/${scenario.serviceAccount}, the service account the pods run as${others.length ? ` (${others.join('; ')})` : ''}: the agent finds no role and the SDK falls back to the node.`,
      `Set the association's namespace to ${scenario.namespace} and service account to ${scenario.serviceAccount}.`,
    );
  }
  for (const { logicalId, resource } of matching) {
    const clusterName = stack.property(resource, 'ClusterName');
    if (clusterName !== LAB_CLUSTER.name) {
      findings.fail(
        scenario.id,
        'association cluster',
        `${logicalId} names cluster ${JSON.stringify(clusterName)}, not ${LAB_CLUSTER.name}.`,
        `Set ClusterName to ${LAB_CLUSTER.name}.`,
      );
    }
    const roleId = roleIdFromArn(stack.property(resource, 'RoleArn'));
    findings.pass(
      scenario.id,
      'association',
      roleId
        ? `${logicalId} links ${scenario.namespace}/${scenario.serviceAccount} to ${roleId}.`
        : `${logicalId} links ${scenario.namespace}/${scenario.serviceAccount} to a role outside the stack.`,
    );
  }
}

import { IRSA_ROLE_ANNOTATION } from '../../lab-names';
import { Scenario } from '../../scenarios';
import { StackTemplate } from '../assembly';
import { FindingList } from './findings';
import { appliedBefore, findObject, roleIdFromArn, scenarioPods } from './doctor-scenario-pods';

/**
 * What CloudFormation must create before a scenario's pods, which only the templates show. Pods
 * created before their association or annotated service account are the shared rule EKSCRED1's:
 * the assembly source builds each pod as the webhook mutates it, in the order of the DependsOn.
 */
export function checkCreationOrder(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  checkServiceAccountFirst(stack, scenario, findings);
  checkSecretsFirst(stack, scenario, findings);
}

/**
 * The ServiceAccount admission plugin refuses a pod whose service account does not exist yet
 * (kubernetes plugin/pkg/admission/serviceaccount/admission.go: "It ensures the ServiceAccount
 * referenced by the pod exists"), so the deploy fails.
 */
function checkServiceAccountFirst(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  if (scenario.serviceAccount === 'default') return;
  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  // Without it the scenario check fails; with the IRSA annotation a late pod is EKSCRED1's.
  if (!account || account.object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION]) return;
  const late = scenarioPods(stack, scenario).filter((pod) => !appliedBefore(stack, account, pod));
  if (late.length > 0) {
    findings.fail(
      scenario.id,
      'pods wait for service account',
      `${stack.stackName}/${late[0].manifest.logicalId} (the pods) does not depend on ${account.manifest.logicalId} (service account ${scenario.serviceAccount}): Kubernetes refuses a pod whose service account does not exist yet.`,
      'Make the pods depend on the service account: pods.node.addDependency(identity), so CloudFormation DependsOn orders them.',
    );
  } else {
    findings.pass(
      scenario.id,
      'pods wait for service account',
      `The pods are applied after service account ${scenario.namespace}/${scenario.serviceAccount}.`,
    );
  }
}

/** The IRSA scenario's s3 ls pod runs once: it must find the annotated role and its permission already there. */
export function checkRoleFirst(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  const roleId = roleIdFromArn(account?.object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION]);
  if (!roleId || !stack.resources[roleId]) return;
  const policies = stack
    .resourcesOfType('AWS::IAM::Policy')
    .filter(({ resource }) => JSON.stringify(resource.Properties?.Roles ?? []).includes(`"${roleId}"`))
    .map(({ logicalId }) => logicalId);
  const pods = scenarioPods(stack, scenario);
  for (const needed of [roleId, ...policies]) {
    const late = pods.filter((pod) => !stack.dependsOn(pod.manifest.logicalId, needed));
    if (late.length > 0) {
      findings.fail(
        scenario.id,
        'pods wait for role',
        `${stack.stackName}/${late[0].manifest.logicalId} (the pods) does not depend on ${needed}: the s3 ls pod may run before the role${needed === roleId ? '' : "'s permission"} exists and end in AccessDenied.`,
        `Make the pods depend on the role and its policy: podsDependOn(role) so CloudFormation DependsOn orders them.`,
      );
    } else {
      findings.pass(scenario.id, 'pods wait for role', `The pods are applied after ${needed}.`);
    }
  }
}

/**
 * A pod that reads a Secret must be created after it: until the Secret exists
 * the container cannot start, and with `restartPolicy: Never` the s3 ls pod
 * would then run with whatever the Secret held at that moment.
 */
function checkSecretsFirst(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  for (const pod of scenarioPods(stack, scenario)) {
    const names = new Set(
      (pod.spec.containers ?? []).flatMap((container) => [
        ...(container.env ?? []).map((env) => (env.valueFrom as { secretKeyRef?: { name?: string } } | undefined)?.secretKeyRef?.name),
        ...(container.envFrom ?? []).map((source) => (source as { secretRef?: { name?: string } }).secretRef?.name),
      ]),
    );
    names.delete(undefined);
    for (const name of names as Set<string>) {
      const inManifest = findObject(stack, 'Secret', scenario.namespace, name);
      const writer = Object.entries(stack.resources).find(
        ([, resource]) => stack.property(resource, 'SecretName') === name && stack.property(resource, 'Namespace') === scenario.namespace,
      );
      if (!inManifest && !writer) {
        findings.fail(
          scenario.id,
          'pods wait for secret',
          `Pod ${scenario.namespace}/${pod.name} reads Secret ${name}, which nothing in ${stack.stackName} creates.`,
          `Create Secret ${scenario.namespace}/${name} in the stack, before the pods.`,
        );
        continue;
      }
      const creator = inManifest ? inManifest.manifest.logicalId : writer![0];
      const first = inManifest ? appliedBefore(stack, inManifest, pod) : stack.dependsOn(pod.manifest.logicalId, creator);
      if (!first) {
        findings.fail(
          scenario.id,
          'pods wait for secret',
          `${stack.stackName}/${pod.manifest.logicalId} (pod ${pod.name}) does not depend on ${creator}, which creates Secret ${name}: the pod may start before its keys exist.`,
          'Make the pods depend on what writes the Secret: podsDependOn(writer).',
        );
      } else {
        findings.pass(
          scenario.id,
          'pods wait for secret',
          `Pod ${scenario.namespace}/${pod.name} is created after Secret ${name} (${creator}).`,
        );
      }
    }
  }
}

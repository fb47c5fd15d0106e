import { LAB_CLUSTER } from '../../cluster-contract';
import { ImdsMode } from '../../lab-config';
import { LabToggles, SCENARIOS, Scenario, ScenarioId, scenario as scenarioById } from '../../scenarios';
import { KubeObject, LabAssembly, ManifestResource, StackTemplate } from '../assembly';
import { LabError } from '../errors';
import { modelFromAssembly } from '../sources/assembly';
import { checkRecordedDrill } from './doctor-drill';
import { ruleChecks } from './doctor-rules';
import { checkPodIdentityFeatures } from './doctor-pod-identity-features';
import { CLUSTER_SCOPE, FindingList } from './findings';
import { OIDC_PROVIDER_TYPES, PLACEHOLDER_ISSUER } from './intrinsics';
import { MODE_LABEL, cliTooOld } from './cli-version';
import { PodSpec, STATIC_KEY_ENV, envNames } from './kube-names';
import { IMDS_HOP_LIMIT, IRSA_ROLE_ANNOTATION, STS_AUDIENCE, STS_AUDIENCE_TYPO } from '../../lab-names';

/** The result of the offline checks. */
export interface OfflineReport {
  readonly findings: FindingList;
  /** Scenario stacks the assembly does not hold, so nothing was checked for them. */
  readonly skipped: readonly { readonly scenario: ScenarioId; readonly stackName: string }[];
  /** The toggles the node-role stack recorded, if any. */
  readonly toggles?: LabToggles;
}

const ISSUER_HOST_PATH = PLACEHOLDER_ISSUER.replace(/^https:\/\//, '');
const SUB_PREFIX = 'system:serviceaccount';

/** The scenarios with a Pod Identity association of their own (old-sdk shares pod-identity's). */
const POD_IDENTITY_SCENARIOS: readonly ScenarioId[] = [ScenarioId.POD_IDENTITY, ScenarioId.PRECEDENCE];

/** Checks the cloud assembly for the mistakes that break a scenario, without AWS or a cluster. */
export function offlineChecks(assembly: LabAssembly): OfflineReport {
  const findings = new FindingList();
  let toggles: LabToggles | undefined;
  try {
    toggles = assembly.toggles();
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    findings.fail(ScenarioId.NODE_ROLE, 'toggles metadata', err.message, 'Synthesize with the current lab: `npx cdk synth --quiet`.');
  }
  checkRecordedDrill(assembly, findings);

  checkCluster(assembly, findings, toggles);

  const skipped: { scenario: ScenarioId; stackName: string }[] = [];
  for (const scenario of SCENARIOS) {
    const stack = assembly.stack(scenario.stackName);
    if (!stack) {
      skipped.push({ scenario: scenario.id, stackName: scenario.stackName });
      continue;
    }
    checkPods(stack, scenario, findings);
    if (scenario.id === ScenarioId.IRSA) checkIrsa(stack, scenario, findings);
    if (POD_IDENTITY_SCENARIOS.includes(scenario.id)) checkPodIdentity(stack, scenario, findings);
    // EKS Pod Identity since its launch: each scenario with probes has its own association.
    if (scenario.probes) {
      checkPodIdentity(stack, scenario, findings);
      checkPodIdentityFeatures(stack, scenario, findings);
    }
    checkSecretRefs(stack, scenario, findings);
  }
  for (const stack of assembly.stacks) {
    checkNoSecretMaterial(stack, findings);
    checkCliVersions(stack, findings);
  }
  // The rules lab audit runs, over the lab as the deploy would leave the cluster.
  ruleChecks(modelFromAssembly(assembly), toggles, findings);
  return { findings, skipped, toggles };
}

function checkCluster(assembly: LabAssembly, findings: FindingList, toggles: LabToggles | undefined): void {
  const cluster = assembly.clusterStack;
  if (!cluster) {
    findings.fail(
      CLUSTER_SCOPE,
      'cluster stack',
      `No stack named ${LAB_CLUSTER.name} in ${assembly.dir}.`,
      'Synthesize the whole app: `npx cdk synth --quiet`.',
    );
    return;
  }
  const templates = cluster.resourcesOfType('AWS::EC2::LaunchTemplate');
  if (templates.length === 0) {
    findings.fail(
      CLUSTER_SCOPE,
      'IMDS',
      'The cluster stack has no launch template, so IMDS runs with the AMI defaults.',
      'Give the node group a launch template with requireImdsv2 and httpPutResponseHopLimit.',
    );
  }
  for (const { logicalId, resource } of templates) {
    const data = cluster.property(resource, 'LaunchTemplateData') as
      { MetadataOptions?: { HttpTokens?: string; HttpPutResponseHopLimit?: number } } | undefined;
    const options = data?.MetadataOptions ?? {};
    const where = `${cluster.stackName}/${logicalId}`;
    if (options.HttpTokens !== 'required') {
      findings.fail(
        CLUSTER_SCOPE,
        'IMDSv2 required',
        `${where} has HttpTokens ${options.HttpTokens ?? 'unset'}: IMDSv1 stays open, and any pod can read the node role with a plain GET${options.HttpPutResponseHopLimit === 1 ? '. Hop limit 1 does not help: it stops only the IMDSv2 token PUT, and the SDK then falls back to IMDSv1' : ''}.`,
        'Set requireImdsv2: true on the launch template (MetadataOptions.HttpTokens: required): `npx cdk deploy --all -c imds=locked`.',
      );
    } else {
      findings.pass(CLUSTER_SCOPE, 'IMDSv2 required', `${where} has HttpTokens required.`);
    }
    if (!toggles) continue;
    const expected = IMDS_HOP_LIMIT[toggles.imds];
    const actual = options.HttpPutResponseHopLimit;
    if (actual !== expected) {
      const effect = (actual ?? 1) >= 2 ? 'pods can reach the node role through IMDS' : 'pods cannot reach the node role through IMDS';
      findings.fail(
        CLUSTER_SCOPE,
        'IMDS hop limit',
        `${where} has HttpPutResponseHopLimit ${actual ?? 'unset'}, so ${effect}; the node-role stack was synthesized with imds=${toggles.imds}, which needs ${expected}.`,
        `Synthesize and deploy both stacks with the same toggle: \`npx cdk deploy --all -c imds=${toggles.imds}\`.`,
      );
    } else {
      findings.pass(
        CLUSTER_SCOPE,
        'IMDS hop limit',
        `${where} has hop limit ${actual}, as imds=${toggles.imds} expects${toggles.imds === ImdsMode.LOCKED ? ': pods cannot reach the node role' : ''}.`,
      );
    }
  }
}

interface PodLocation {
  readonly manifest: ManifestResource;
  readonly index: number;
  readonly spec: PodSpec;
}

function findObject(
  stack: StackTemplate,
  kind: string,
  namespace: string,
  name: string,
): { manifest: ManifestResource; index: number; object: KubeObject } | undefined {
  for (const manifest of stack.manifests()) {
    const index = manifest.objects.findIndex(
      (o) => o.kind === kind && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace,
    );
    if (index >= 0) return { manifest, index, object: manifest.objects[index] };
  }
  return undefined;
}

function podsOf(stack: StackTemplate, scenario: Scenario): PodLocation[] {
  const names = [scenario.s3LsPod, scenario.sleepPod, ...(scenario.probes ?? []).map((probe) => probe.pod)].filter(
    (name, index, all): name is string => name !== undefined && all.indexOf(name) === index,
  );
  return names.flatMap((name) => {
    const found = findObject(stack, 'Pod', scenario.namespace, name);
    return found ? [{ manifest: found.manifest, index: found.index, spec: (found.object.spec ?? {}) as PodSpec }] : [];
  });
}

/** True when the object at `before` is applied before the pods at `pods`. */
function appliedBefore(stack: StackTemplate, before: { manifest: ManifestResource; index: number }, pods: PodLocation): boolean {
  if (before.manifest.logicalId === pods.manifest.logicalId) return before.index < pods.index;
  return stack.dependsOn(pods.manifest.logicalId, before.manifest.logicalId);
}

function checkPods(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const pods = podsOf(stack, scenario);
  const expectedCount = scenario.probes ? scenario.probes.length : scenario.sleepPod ? 2 : 1;
  if (pods.length < expectedCount) {
    findings.fail(
      scenario.id,
      'pods',
      `${stack.stackName} has no manifest with pod ${scenario.namespace}/${scenario.s3LsPod}${scenario.sleepPod ? ` and ${scenario.sleepPod}` : ''}.`,
      'Keep the pod names of lib/scenarios.ts in the scenario stack.',
    );
    return;
  }
  for (const pod of pods) {
    const podName = pod.manifest.objects[pod.index].metadata?.name;
    const account = pod.spec.serviceAccountName ?? 'default';
    if (account !== scenario.serviceAccount) {
      findings.fail(
        scenario.id,
        'pod service account',
        `Pod ${scenario.namespace}/${podName} runs as ${account}, not ${scenario.serviceAccount}.`,
        `Set serviceAccountName: ${scenario.serviceAccount} on the pod.`,
      );
    }
  }
  if (scenario.serviceAccount === 'default') {
    findings.pass(scenario.id, 'pod service account', `Pods in ${scenario.namespace} run as the default service account.`);
    return;
  }
  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  if (!account) {
    findings.fail(
      scenario.id,
      'service account',
      `${stack.stackName} creates no service account ${scenario.namespace}/${scenario.serviceAccount}.`,
      'Create it in the identity manifest, before the pods.',
    );
    return;
  }
  const late = pods.filter((pod) => !appliedBefore(stack, account, pod));
  if (late.length > 0) {
    findings.fail(
      scenario.id,
      'pods wait for service account',
      `${stack.stackName}/${late[0].manifest.logicalId} (the pods) does not depend on ${account.manifest.logicalId} (service account ${scenario.serviceAccount}): a pod created first is never mutated by the webhook.`,
      `Make the pods depend on the service account: podsDependOn(...) / pods.node.addDependency(identity), so CloudFormation DependsOn orders them.`,
    );
  } else {
    findings.pass(
      scenario.id,
      'pods wait for service account',
      `The pods are applied after service account ${scenario.namespace}/${scenario.serviceAccount}.`,
    );
  }
  const staticKeys = pods.flatMap((pod) => envNames(pod.spec).filter((name) => STATIC_KEY_ENV.includes(name)));
  if (staticKeys.length > 0) {
    findings.fail(
      scenario.id,
      'no static keys',
      `The ${scenario.id} pods set ${[...new Set(staticKeys)].join(', ')}: static keys come first in the SDK chain and win over the role.`,
      'Remove the AWS_* key variables from the pods; one pod, one way to get credentials.',
    );
  } else {
    findings.pass(scenario.id, 'no static keys', `The ${scenario.id} pods set no static AWS keys.`);
  }
}

interface PolicyStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Principal?: { Federated?: unknown; Service?: unknown; AWS?: unknown };
  readonly Condition?: Record<string, Record<string, unknown>>;
}

function statements(stack: StackTemplate, roleId: string): PolicyStatement[] {
  const role = stack.resources[roleId];
  const document = role ? (stack.property(role, 'AssumeRolePolicyDocument') as { Statement?: PolicyStatement[] } | undefined) : undefined;
  return document?.Statement ?? [];
}

function actions(statement: PolicyStatement): string[] {
  return ([] as string[]).concat(statement.Action ?? []);
}

/** The logical id a `${Id.Arn}` placeholder names. */
function roleIdFromArn(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{([^.}]+)\.Arn\}$/.exec(value)?.[1] : undefined;
}

function checkIrsa(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  const providers = [...OIDC_PROVIDER_TYPES].flatMap((type) => stack.resourcesOfType(type));
  const provider = providers.find(({ resource }) => stack.property(resource, 'Url') === PLACEHOLDER_ISSUER);
  if (!provider) {
    const others = providers.map(({ logicalId, resource }) => `${logicalId} registers ${String(stack.property(resource, 'Url'))}`);
    findings.fail(
      scenario.id,
      'OIDC provider',
      `${stack.stackName} registers no IAM OIDC provider for the cluster's issuer${others.length ? ` (${others.join('; ')})` : ''}: STS will answer "No OpenIDConnect provider found in your account".`,
      `Add an AWS::IAM::OIDCProvider (iam.OidcProviderNative) with url = the cluster's issuer and client id ${STS_AUDIENCE}.`,
    );
  } else {
    const clientIds = (stack.property(provider.resource, 'ClientIdList') ??
      stack.property(provider.resource, 'ClientIDList') ??
      []) as string[];
    if (!clientIds.includes(STS_AUDIENCE)) {
      const typo = clientIds.find((id) => id !== STS_AUDIENCE && /^sts\./.test(id));
      findings.fail(
        scenario.id,
        'OIDC provider client id',
        `OIDC provider ${provider.logicalId} lists client ids [${clientIds.join(', ')}]${typo ? ` ('${typo}' is not '${STS_AUDIENCE}')` : ''}: STS rejects the token with "Incorrect token audience".`,
        `Set the provider's client id to ${STS_AUDIENCE}.`,
      );
    } else {
      findings.pass(scenario.id, 'OIDC provider', `${provider.logicalId} registers the issuer with client id ${STS_AUDIENCE}.`);
    }
  }

  const account = findObject(stack, 'ServiceAccount', scenario.namespace, scenario.serviceAccount);
  const annotation = account?.object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION];
  const annotatedRole = roleIdFromArn(annotation);
  if (account && !annotation) {
    findings.fail(
      scenario.id,
      'role annotation',
      `Service account ${scenario.namespace}/${scenario.serviceAccount} has no ${IRSA_ROLE_ANNOTATION} annotation, so the webhook injects nothing and the SDK silently falls back to the node role.`,
      `Annotate it with ${IRSA_ROLE_ANNOTATION}: <role ARN>.`,
    );
  } else if (account) {
    findings.pass(
      scenario.id,
      'role annotation',
      `Service account ${scenario.namespace}/${scenario.serviceAccount} is annotated with ${annotatedRole ? `the ARN of ${annotatedRole}` : annotation}.`,
    );
  }

  const trustingRoles = stack
    .resourcesOfType('AWS::IAM::Role')
    .filter(({ logicalId }) => statements(stack, logicalId).some((s) => actions(s).includes('sts:AssumeRoleWithWebIdentity')));
  if (trustingRoles.length === 0) {
    findings.fail(
      scenario.id,
      'role trust',
      `${stack.stackName} has no role that trusts sts:AssumeRoleWithWebIdentity.`,
      'Create the role with a WebIdentityPrincipal / OpenIdConnectPrincipal for the provider.',
    );
  }
  if (annotatedRole && !trustingRoles.some(({ logicalId }) => logicalId === annotatedRole)) {
    findings.fail(
      scenario.id,
      'role annotation',
      `The annotation names ${annotatedRole}, which does not trust sts:AssumeRoleWithWebIdentity.`,
      'Annotate the service account with the IRSA role ARN.',
    );
  }
  for (const { logicalId } of trustingRoles) {
    for (const statement of statements(stack, logicalId).filter((s) => actions(s).includes('sts:AssumeRoleWithWebIdentity'))) {
      checkWebIdentityTrust(stack, scenario, logicalId, statement, provider?.logicalId, findings);
    }
  }

  const pods = podsOf(stack, scenario);
  for (const roleId of annotatedRole ? [annotatedRole] : []) {
    const policies = stack
      .resourcesOfType('AWS::IAM::Policy')
      .filter(({ resource }) => JSON.stringify(resource.Properties?.Roles ?? []).includes(`"${roleId}"`))
      .map(({ logicalId }) => logicalId);
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
}

function checkWebIdentityTrust(
  stack: StackTemplate,
  scenario: Scenario,
  roleId: string,
  statement: PolicyStatement,
  providerId: string | undefined,
  findings: FindingList,
): void {
  const expectedSub = `${SUB_PREFIX}:${scenario.namespace}:${scenario.serviceAccount}`;
  const federated = statement.Principal?.Federated;
  const providerArn = providerId ? stack.resolver.resolve({ Ref: providerId }) : undefined;
  if (providerArn && federated !== providerArn) {
    findings.fail(
      scenario.id,
      'trust principal',
      `${roleId} trusts Federated ${JSON.stringify(federated)}, not the OIDC provider ${providerId}.`,
      'Use the OIDC provider of the cluster as the Federated principal.',
    );
  }

  let sub: { operator: string; value: unknown } | undefined;
  let aud: { operator: string; value: unknown } | undefined;
  for (const [operator, conditions] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(conditions ?? {})) {
      const claim = key.slice(key.lastIndexOf(':') + 1);
      if (claim !== 'sub' && claim !== 'aud') continue;
      const issuer = key.slice(0, key.lastIndexOf(':'));
      if (issuer.startsWith('arn:')) {
        findings.fail(
          scenario.id,
          `trust ${claim} key`,
          `${roleId} keys its ${claim} condition on '${key}': the key is the issuer's host and path, without 'arn:…:oidc-provider/', so this condition never matches.`,
          `Use '${ISSUER_HOST_PATH}:${claim}' (the issuer URL without https://).`,
        );
      } else if (issuer !== ISSUER_HOST_PATH) {
        findings.fail(
          scenario.id,
          `trust ${claim} key`,
          `${roleId} keys its ${claim} condition on issuer '${issuer}', not the cluster's '${ISSUER_HOST_PATH}'.`,
          "Build the key from the cluster's OIDC issuer URL without https://.",
        );
      }
      if (claim === 'sub') sub = { operator, value };
      else aud = { operator, value };
    }
  }

  checkCondition(scenario, roleId, 'sub', sub, expectedSub, findings, (value) => {
    const [, namespace, name] = /^system:serviceaccount:([^:]*):(.*)$/.exec(value) ?? [];
    if (namespace === undefined) return `'${value}' is not system:serviceaccount:<namespace>:<name>`;
    const wrong = [
      namespace !== scenario.namespace ? `namespace '${namespace}' (pods run in '${scenario.namespace}')` : '',
      name !== scenario.serviceAccount ? `service account '${name}' (pods run as '${scenario.serviceAccount}')` : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return `it names ${wrong}`;
  });
  // A trust condition that does not match the token is a refused assumption, AccessDenied (see
  // TRUST_REFUSED in lib/scenarios.ts); "Incorrect token audience" is the provider's client-id check.
  checkCondition(scenario, roleId, 'aud', aud, STS_AUDIENCE, findings, (value) =>
    value === STS_AUDIENCE_TYPO
      ? `'${value}' is the common typo of '${STS_AUDIENCE}': the condition never matches the token, and STS answers AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"`
      : `'${value}' is not '${STS_AUDIENCE}', the audience of the projected token`,
  );
}

function checkCondition(
  scenario: Scenario,
  roleId: string,
  claim: string,
  condition: { operator: string; value: unknown } | undefined,
  expected: string,
  findings: FindingList,
  explain: (value: string) => string,
): void {
  const check = `trust ${claim}`;
  if (!condition) {
    findings.fail(
      scenario.id,
      check,
      `${roleId} has no ${claim} condition${claim === 'sub' ? ': every service account in the cluster could assume it' : ''}.`,
      `Add StringEquals '${ISSUER_HOST_PATH}:${claim}': '${expected}'.`,
    );
    return;
  }
  const values = ([] as unknown[]).concat(condition.value).map(String);
  const wildcard = values.some((value) => /[*?]/.test(value));
  if (condition.operator === 'StringLike') {
    findings.fail(
      scenario.id,
      check,
      `${roleId} matches ${claim} with StringLike ${JSON.stringify(condition.value)}${wildcard ? ': the wildcard lets other service accounts assume the role' : ''}.`,
      `Use StringEquals with the exact value '${expected}'.`,
    );
    return;
  }
  if (condition.operator !== 'StringEquals') {
    findings.fail(scenario.id, check, `${roleId} matches ${claim} with ${condition.operator}.`, `Use StringEquals with '${expected}'.`);
    return;
  }
  if (wildcard) {
    findings.fail(
      scenario.id,
      check,
      `${roleId} puts a wildcard under StringEquals (${JSON.stringify(condition.value)}): StringEquals compares literally, so the ${claim} never matches.`,
      `Use the exact value '${expected}'.`,
    );
    return;
  }
  if (values.length !== 1 || values[0] !== expected) {
    const wrong = values.find((value) => value !== expected) ?? values[0];
    findings.fail(
      scenario.id,
      check,
      `${roleId} expects ${claim} ${JSON.stringify(condition.value)}: ${explain(wrong)}.`,
      `Set StringEquals '${ISSUER_HOST_PATH}:${claim}' to '${expected}'.`,
    );
    return;
  }
  findings.pass(scenario.id, check, `${roleId} requires ${claim} = ${expected} (StringEquals).`);
}

function checkPodIdentity(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
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
    // Whether the role trusts the Pod Identity service principal is the shared rule EKSPI1's to say.
    const roleId = roleIdFromArn(stack.property(resource, 'RoleArn'));
    findings.pass(
      scenario.id,
      'association',
      roleId
        ? `${logicalId} links ${scenario.namespace}/${scenario.serviceAccount} to ${roleId}.`
        : `${logicalId} links ${scenario.namespace}/${scenario.serviceAccount} to a role outside the stack.`,
    );
    const pods = podsOf(stack, scenario);
    const late = pods.filter((pod) => !stack.dependsOn(pod.manifest.logicalId, logicalId));
    if (late.length > 0) {
      findings.fail(
        scenario.id,
        'pods wait for association',
        `${stack.stackName}/${late[0].manifest.logicalId} (the pods) does not depend on ${logicalId}${stack.dependsOn(logicalId, late[0].manifest.logicalId) ? `, which even waits for them` : ''}: a pod created before its association gets no credentials until it is recreated.`,
        'Make the pods depend on the association: podsDependOn(association).',
      );
    } else {
      findings.pass(scenario.id, 'pods wait for association', `The pods are applied after ${logicalId}.`);
    }
  }
}

/** The service accounts a stack gives a Pod Identity association, as `namespace/name`. */
function associatedAccounts(stack: StackTemplate): Set<string> {
  return new Set(
    stack
      .resourcesOfType('AWS::EKS::PodIdentityAssociation')
      .map(({ resource }) => `${String(stack.property(resource, 'Namespace'))}/${String(stack.property(resource, 'ServiceAccount'))}`),
  );
}

/**
 * Every lab pod runs the AWS CLI; one too old for the credential mode its service account uses
 * cannot use what the webhook injects. Only the old-sdk scenario does that on purpose.
 */
function checkCliVersions(stack: StackTemplate, findings: FindingList): void {
  const associated = associatedAccounts(stack);
  const annotated = new Set(
    stack
      .manifests()
      .flatMap((m) => m.objects)
      .filter((o) => o.kind === 'ServiceAccount' && o.metadata?.annotations?.[IRSA_ROLE_ANNOTATION])
      .map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`),
  );
  const oldSdk = scenarioById(ScenarioId.OLD_SDK);
  for (const pod of stack.manifests().flatMap((m) => m.objects.filter((o) => o.kind === 'Pod'))) {
    const spec = (pod.spec ?? {}) as PodSpec & { containers?: { image?: string }[] };
    const account = `${pod.metadata?.namespace ?? 'default'}/${spec.serviceAccountName ?? 'default'}`;
    const mode = associated.has(account) ? 'podIdentity' : annotated.has(account) ? 'irsa' : undefined;
    const tooOld = mode && cliTooOld(spec.containers?.[0]?.image, mode);
    if (!mode || !tooOld) continue;
    const where = `Pod ${pod.metadata?.namespace}/${pod.metadata?.name} runs AWS CLI ${tooOld.version}`;
    if (stack.stackName === oldSdk.stackName && pod.metadata?.name === oldSdk.s3LsPod) {
      findings.pass(
        ScenarioId.OLD_SDK,
        'CLI new enough',
        `${where}, older than ${tooOld.minimum}, on purpose: the old-sdk scenario shows it failing with ${MODE_LABEL[mode]}.`,
      );
      continue;
    }
    findings.fail(
      scopeOf(stack),
      'CLI new enough',
      `${where}, older than ${tooOld.minimum}, the first release that supports ${MODE_LABEL[mode]}, which its service account ${account} uses.`,
      `Use an AWS CLI image at ${tooOld.minimum} or later (-c awsCliImage=public.ecr.aws/aws-cli/aws-cli:<tag>).`,
    );
  }
}

/**
 * A pod that reads a Secret must be created after it: until the Secret exists
 * the container cannot start, and with `restartPolicy: Never` the s3 ls pod
 * would then run with whatever the Secret held at that moment.
 */
function checkSecretRefs(stack: StackTemplate, scenario: Scenario, findings: FindingList): void {
  for (const pod of podsOf(stack, scenario)) {
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
      const podName = pod.manifest.objects[pod.index].metadata?.name;
      if (!inManifest && !writer) {
        findings.fail(
          scenario.id,
          'pods wait for secret',
          `Pod ${scenario.namespace}/${podName} reads Secret ${name}, which nothing in ${stack.stackName} creates.`,
          `Create Secret ${scenario.namespace}/${name} in the stack, before the pods.`,
        );
      } else if (inManifest ? !appliedBefore(stack, inManifest, pod) : !stack.dependsOn(pod.manifest.logicalId, writer![0])) {
        findings.fail(
          scenario.id,
          'pods wait for secret',
          `${stack.stackName}/${pod.manifest.logicalId} (pod ${podName}) does not depend on ${inManifest ? inManifest.manifest.logicalId : writer![0]}, which creates Secret ${name}: the pod may start before its keys exist.`,
          'Make the pods depend on what writes the Secret: podsDependOn(writer).',
        );
      } else {
        findings.pass(
          scenario.id,
          'pods wait for secret',
          `Pod ${scenario.namespace}/${podName} is created after Secret ${name} (${inManifest ? inManifest.manifest.logicalId : writer![0]}).`,
        );
      }
    }
  }
}

/** The kubectl handler logs the whole event it receives, so a manifest must never carry secret values. */
function checkNoSecretMaterial(stack: StackTemplate, findings: FindingList): void {
  for (const manifest of stack.manifests()) {
    for (const object of manifest.objects) {
      if (object.kind !== 'Secret') continue;
      const data = { ...((object.data as Record<string, unknown>) ?? {}), ...((object.stringData as Record<string, unknown>) ?? {}) };
      if (Object.keys(data).length > 0) {
        findings.fail(
          scopeOf(stack),
          'no secrets in manifests',
          `${stack.stackName}/${manifest.logicalId} applies Secret ${object.metadata?.namespace}/${object.metadata?.name} with values (${Object.keys(data).join(', ')}): the kubectl handler logs the whole manifest.`,
          'Create the Secret outside the manifest (for example from Secrets Manager at run time), never through KubernetesManifest.',
        );
      }
    }
  }
  const outputs = JSON.stringify((stack.template as { Outputs?: unknown }).Outputs ?? {});
  if (/"SecretAccessKey"/.test(outputs)) {
    findings.fail(
      scopeOf(stack),
      'no secrets in outputs',
      `${stack.stackName} outputs an access key's SecretAccessKey: it ends up in CloudFormation and the CLI output.`,
      'Keep the secret in Secrets Manager and output only its name.',
    );
  }
}

function scopeOf(stack: StackTemplate): string {
  return SCENARIOS.find((s) => s.stackName === stack.stackName)?.id ?? CLUSTER_SCOPE;
}

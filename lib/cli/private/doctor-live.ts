import { paginateDescribeInstances } from '@aws-sdk/client-ec2';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAddonCommand, DescribeClusterCommand } from '@aws-sdk/client-eks';
import { ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { LAB_CLUSTER } from '../../cluster-contract';
import { LabToggles, ScenarioId, scenario as scenarioById } from '../../scenarios';
import { AwsClients } from '../aws-clients';
import { firstLine } from '../errors';
import { LabKube } from '../kube';
import { livePodIdentityFeatureChecks } from './doctor-live-pod-identity-features';
import { CLUSTER_SCOPE, FindingList } from './findings';
import { IRSA_INJECTED_ENV, POD_IDENTITY_INJECTED_ENV, envNames } from './kube-names';
import { associationsOf } from './pod-identity-associations';
import { IMDS_HOP_LIMIT, IMDS_HTTP_TOKENS, IRSA_ROLE_ANNOTATION, POD_IDENTITY_AGENT_ADDON } from '../../lab-names';

/** Which scenario stacks the assembly holds: the live checks only look for what is meant to be there. */
export interface LiveScope {
  readonly toggles?: LabToggles;
  readonly scenarios: ReadonlySet<ScenarioId>;
}

/**
 * Checks the deployed lab against what its scenarios expect: IAM, EKS, EC2 and the cluster itself.
 * What holds for any cluster (trusts, providers, IMDS, SDK versions, pods older than their
 * configuration) is the shared rules' job, over the deployed lab (doctor-deployed.ts).
 * @returns whether the cluster exists, so that there is a deployed lab to read
 */
export async function liveChecks(aws: AwsClients, kube: LabKube, scope: LiveScope, findings: FindingList): Promise<boolean> {
  let issuer: string | undefined;
  try {
    const { cluster } = await aws.eks.send(new DescribeClusterCommand({ name: LAB_CLUSTER.name }));
    issuer = cluster?.identity?.oidc?.issuer;
    findings.pass(CLUSTER_SCOPE, 'cluster', `${LAB_CLUSTER.name} is ${cluster?.status ?? '?'}, issuer ${issuer ?? 'none'}.`);
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    findings.fail(
      CLUSTER_SCOPE,
      'cluster',
      `No cluster ${LAB_CLUSTER.name} in ${LAB_CLUSTER.region}.`,
      'Deploy the lab: `npx cdk deploy --all`.',
    );
    return false;
  }

  if (scope.scenarios.has(ScenarioId.IRSA) && issuer && !(await isDeployed(aws, scenarioById(ScenarioId.IRSA).stackName))) {
    await checkNoProviderYet(aws, issuer, findings);
  }
  if (scope.scenarios.has(ScenarioId.POD_IDENTITY)) {
    await checkAgent(aws, findings);
    if (await isDeployed(aws, scenarioById(ScenarioId.POD_IDENTITY).stackName)) await checkAssociation(aws, findings);
  }
  if (scope.toggles) await checkNodeImds(aws, scope.toggles, findings);
  if (scope.scenarios.has(ScenarioId.IRSA)) await checkIrsaPods(kube, findings);
  if (scope.scenarios.has(ScenarioId.POD_IDENTITY)) await checkPodIdentityPods(kube, findings);
  if (scope.scenarios.has(ScenarioId.PRECEDENCE)) await checkPrecedencePods(kube, findings);
  // EKS Pod Identity since its launch: the associations as EKS holds them, and their pods.
  await livePodIdentityFeatureChecks(aws, kube, scope.scenarios, findings);
  return true;
}

/**
 * Whether CloudFormation holds a stack by that name that finished creating. A stack whose
 * create failed and rolled back (ROLLBACK_COMPLETE) created nothing, so it counts as not deployed.
 */
async function isDeployed(aws: AwsClients, stackName: string): Promise<boolean> {
  try {
    const { Stacks: stacks = [] } = await aws.cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const status = stacks[0]?.StackStatus ?? '';
    return !/^(ROLLBACK_|DELETE_|REVIEW_IN_PROGRESS|CREATE_IN_PROGRESS|CREATE_FAILED)/.test(status) && status !== '';
  } catch (err) {
    // DescribeStacks answers ValidationError "Stack with id … does not exist".
    if ((err as { name?: string }).name === 'ValidationError' && /does not exist/.test(firstLine(err))) return false;
    throw err;
  }
}

/** The IAM OIDC provider registered for the issuer, if any. ListOpenIDConnectProviders is not paginated. */
async function providerFor(aws: AwsClients, issuer: string): Promise<string | undefined> {
  const hostPath = issuer.replace(/^https:\/\//, '');
  const { OpenIDConnectProviderList: providers = [] } = await aws.iam.send(new ListOpenIDConnectProvidersCommand({}));
  return providers.map((p) => p.Arn).find((candidate) => candidate?.endsWith(`:oidc-provider/${hostPath}`));
}

/**
 * Before the irsa stack is deployed, no provider may exist for the issuer yet: IAM keeps
 * one provider per URL and answers a second CreateOpenIDConnectProvider with
 * EntityAlreadyExists (IAM API reference), which fails the stack's create. One made by
 * `eksctl utils associate-iam-oidc-provider` or the console is the usual cause.
 */
async function checkNoProviderYet(aws: AwsClients, issuer: string, findings: FindingList): Promise<void> {
  const irsa = scenarioById(ScenarioId.IRSA);
  const arn = await providerFor(aws, issuer);
  if (arn) {
    findings.fail(
      ScenarioId.IRSA,
      'OIDC provider in IAM',
      `${arn} already registers ${issuer}, and ${irsa.stackName} is not deployed: its create would fail with EntityAlreadyExists, as IAM allows one provider per URL.`,
      `If nothing else uses it (it was made by \`eksctl utils associate-iam-oidc-provider\` or by hand for this cluster), delete it: \`aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${arn}\`, then \`npx cdk deploy ${irsa.stackName}\`.`,
    );
  } else {
    findings.pass(ScenarioId.IRSA, 'OIDC provider in IAM', `No provider registers ${issuer} yet; deploying ${irsa.stackName} creates it.`);
  }
}

async function checkAgent(aws: AwsClients, findings: FindingList): Promise<void> {
  try {
    const { addon } = await aws.eks.send(new DescribeAddonCommand({ clusterName: LAB_CLUSTER.name, addonName: POD_IDENTITY_AGENT_ADDON }));
    if (addon?.status === 'ACTIVE') {
      findings.pass(ScenarioId.POD_IDENTITY, 'agent add-on', `${POD_IDENTITY_AGENT_ADDON} ${addon.addonVersion ?? ''} is ACTIVE.`);
    } else {
      const issues = (addon?.health?.issues ?? []).map((issue) => `${issue.code}: ${issue.message}`).join('; ');
      findings.fail(
        ScenarioId.POD_IDENTITY,
        'agent add-on',
        `${POD_IDENTITY_AGENT_ADDON} is ${addon?.status ?? 'unknown'}${issues ? ` (${issues})` : ''}.`,
        'Wait for it to settle, or check `aws eks describe-addon` and the agent pods in kube-system.',
      );
    }
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
    findings.fail(
      ScenarioId.POD_IDENTITY,
      'agent add-on',
      `The cluster has no ${POD_IDENTITY_AGENT_ADDON} add-on.`,
      'Deploy the cluster stack, which installs it (`npx cdk deploy eks-oidc-demo`).',
    );
  }
}

/**
 * The association as EKS has it now. The pods' injected env only shows that it existed
 * when they were created; the webhook mutates pods on CREATE only.
 */
async function checkAssociation(aws: AwsClients, findings: FindingList): Promise<void> {
  const scenario = scenarioById(ScenarioId.POD_IDENTITY);
  const associations = await associationsOf(aws, scenario.namespace, scenario.serviceAccount);
  if (associations.length === 0) {
    findings.fail(
      ScenarioId.POD_IDENTITY,
      'association in EKS',
      `EKS has no Pod Identity association for ${scenario.namespace}/${scenario.serviceAccount} in ${LAB_CLUSTER.name}: pods created from now on get no credentials and fall back to the node.`,
      `Redeploy ${scenario.stackName} (\`npx cdk deploy ${scenario.stackName}\`), then \`npm run lab -- rerun ${ScenarioId.POD_IDENTITY}\`.`,
    );
    return;
  }
  for (const association of associations) {
    const { associationId } = association;
    const roleName = association.roleArn?.split(':role/')[1] ?? '';
    if (!roleName.startsWith(`${scenario.stackName}-`)) {
      findings.fail(
        ScenarioId.POD_IDENTITY,
        'association in EKS',
        `Association ${associationId} links ${scenario.namespace}/${scenario.serviceAccount} to ${association.roleArn ?? 'no role'}, not the role of ${scenario.stackName}.`,
        `Delete it (\`aws eks delete-pod-identity-association --cluster-name ${LAB_CLUSTER.name} --association-id ${associationId}\`) and redeploy ${scenario.stackName}.`,
      );
    } else {
      findings.pass(
        ScenarioId.POD_IDENTITY,
        'association in EKS',
        `Association ${associationId} links ${scenario.namespace}/${scenario.serviceAccount} to ${association.roleArn}.`,
      );
    }
  }
}

/**
 * The node answers IMDS as the toggles set it: both settings are the node's launch template's, and
 * a node launched from an older version keeps the old ones until the node group replaces it. Whether
 * those settings are safe is EKSIMDS1's question; this one is whether the lab shows what its toggles say.
 */
async function checkNodeImds(aws: AwsClients, toggles: LabToggles, findings: FindingList): Promise<void> {
  const expected = { httpTokens: IMDS_HTTP_TOKENS[toggles.imds], hopLimit: IMDS_HOP_LIMIT[toggles.imds] };
  const filters = [
    { Name: 'tag:eks:cluster-name', Values: [LAB_CLUSTER.name] },
    { Name: 'instance-state-name', Values: ['pending', 'running'] },
  ];
  let seen = 0;
  for await (const page of paginateDescribeInstances({ client: aws.ec2 }, { Filters: filters })) {
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      seen++;
      const options = instance.MetadataOptions ?? {};
      const actual = `HttpTokens ${options.HttpTokens ?? 'unset'}, hop limit ${options.HttpPutResponseHopLimit ?? 'unset'}`;
      const id = instance.InstanceId ?? '?';
      if (options.HttpTokens !== expected.httpTokens || options.HttpPutResponseHopLimit !== expected.hopLimit) {
        findings.fail(
          CLUSTER_SCOPE,
          'node IMDS',
          `Node ${id} answers IMDS with ${actual}, but imds=${toggles.imds} gives HttpTokens ${expected.httpTokens}, hop limit ${expected.hopLimit}.`,
          `Deploy the cluster stack with -c imds=${toggles.imds} (\`npx cdk deploy --all -c imds=${toggles.imds}\`) and wait for the node to be replaced.`,
        );
      } else {
        findings.pass(CLUSTER_SCOPE, 'node IMDS', `Node ${id}: ${actual}, as imds=${toggles.imds} sets it.`);
      }
    }
  }
  if (seen === 0)
    findings.fail(
      CLUSTER_SCOPE,
      'node IMDS',
      `No running instance tagged eks:cluster-name=${LAB_CLUSTER.name}.`,
      'Check the node group in the EKS console; it should have one node.',
    );
}

async function checkIrsaPods(kube: LabKube, findings: FindingList): Promise<void> {
  const irsa = scenarioById(ScenarioId.IRSA);
  const account = await kube.readServiceAccount(irsa.namespace, irsa.serviceAccount);
  const roleArn = account?.metadata?.annotations?.[IRSA_ROLE_ANNOTATION];
  if (!account) {
    findings.fail(
      ScenarioId.IRSA,
      'service account in cluster',
      `Service account ${irsa.namespace}/${irsa.serviceAccount} does not exist.`,
      'Deploy the irsa stack.',
    );
  } else if (!roleArn || !/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn)) {
    findings.fail(
      ScenarioId.IRSA,
      'service account in cluster',
      `Service account ${irsa.namespace}/${irsa.serviceAccount} has ${IRSA_ROLE_ANNOTATION} ${JSON.stringify(roleArn ?? null)}, not a role ARN.`,
      'Redeploy the irsa stack, which sets the annotation.',
    );
  } else {
    findings.pass(ScenarioId.IRSA, 'service account in cluster', `${irsa.namespace}/${irsa.serviceAccount} is annotated with ${roleArn}.`);
  }
  await checkInjected(kube, ScenarioId.IRSA, IRSA_INJECTED_ENV, 'the pod-identity webhook', findings);
}

async function checkPodIdentityPods(kube: LabKube, findings: FindingList): Promise<void> {
  await checkInjected(kube, ScenarioId.POD_IDENTITY, POD_IDENTITY_INJECTED_ENV, 'the EKS Pod Identity webhook', findings);
}

/**
 * With both an association and the IRSA annotation, the webhook injects container credentials
 * alone (amazon-eks-pod-identity-webhook `pkg/handler/handler.go`: "Container credentials method
 * takes precedence").
 */
async function checkPrecedencePods(kube: LabKube, findings: FindingList): Promise<void> {
  await checkInjected(kube, ScenarioId.PRECEDENCE, POD_IDENTITY_INJECTED_ENV, 'the EKS Pod Identity webhook', findings);
  const precedence = scenarioById(ScenarioId.PRECEDENCE);
  const pod = await kube.readPod(precedence.namespace, precedence.s3LsPod);
  const irsa = envNames((pod?.spec ?? {}) as never).filter((name) => IRSA_INJECTED_ENV.includes(name));
  if (irsa.length > 0) {
    findings.fail(
      ScenarioId.PRECEDENCE,
      'annotation ignored',
      `Pod ${precedence.namespace}/${precedence.s3LsPod} carries ${irsa.join(', ')}: it was mutated for IRSA, so the association was not in effect when it was created.`,
      `Run it again once the association is in effect: \`npm run lab -- rerun ${ScenarioId.PRECEDENCE}\`.`,
    );
  } else if (pod) {
    findings.pass(
      ScenarioId.PRECEDENCE,
      'annotation ignored',
      `Pod ${precedence.namespace}/${precedence.s3LsPod} got Pod Identity and none of ${IRSA_INJECTED_ENV.join(', ')}: the ${IRSA_ROLE_ANNOTATION} annotation was ignored.`,
    );
  }
}

async function checkInjected(kube: LabKube, id: ScenarioId, wanted: string[], webhook: string, findings: FindingList): Promise<void> {
  const scenario = scenarioById(id);
  for (const name of [scenario.s3LsPod, scenario.sleepPod].filter((n): n is string => n !== undefined)) {
    let pod;
    try {
      pod = await kube.readPod(scenario.namespace, name);
    } catch (err) {
      findings.fail(
        id,
        'injected env',
        `Cannot read pod ${scenario.namespace}/${name}: ${firstLine(err)}`,
        'Check your cluster access, then retry.',
      );
      continue;
    }
    if (!pod) {
      findings.fail(id, 'injected env', `Pod ${scenario.namespace}/${name} does not exist.`, `Deploy ${scenario.stackName}.`);
      continue;
    }
    const env = envNames(pod.spec as never);
    const missing = wanted.filter((variable) => !env.includes(variable));
    if (missing.length > 0) {
      findings.fail(
        id,
        'injected env',
        `Pod ${scenario.namespace}/${name} lacks ${missing.join(', ')}: ${webhook} did not mutate it, so it was created before its service account, annotation or association.`,
        `Recreate it: \`npm run lab -- rerun ${id}\` for the s3 ls pod, or \`kubectl -n ${scenario.namespace} delete pod ${name}\` and redeploy.`,
      );
    } else {
      findings.pass(id, 'injected env', `Pod ${scenario.namespace}/${name} has ${wanted.join(', ')} from ${webhook}.`);
    }
  }
}

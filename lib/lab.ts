import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildClusterStack } from './cluster-stack';
import { LAB_CLUSTER } from './cluster-contract';
import { DeleteLogGroupsOnDestroy } from './delete-log-groups-on-destroy';
import { LabConfig } from './lab-config';
import { IrsaStack } from './irsa-stack';
import { NodeRoleStack } from './node-role-stack';
import { PodIdentityStack } from './pod-identity-stack';
import { PodIdentityAdvancedStack } from './pod-identity-advanced-stack';
import { SecretInjectedStack } from './secret-injected-stack';
import { ScenarioId, scenario } from './scenarios';

/** The lab's stacks, by role. */
export interface LabStacks {
  readonly cluster: Stack;
  readonly scenarios: readonly Stack[];
}

/**
 * Creates the cluster stack and one stack per scenario. Scenario stacks depend
 * on the cluster stack, never the other way round.
 */
export async function buildLab(app: App, config: LabConfig, account?: string): Promise<LabStacks> {
  const env = { account, region: LAB_CLUSTER.region };
  const common = { env, image: config.awsCliImage, toggles: { imds: config.imds, nodeRoleS3Access: config.nodeRoleS3Access } };
  const cluster = await buildClusterStack(app, { account, imds: config.imds });

  const scenarios: Stack[] = [
    new NodeRoleStack(app, scenario(ScenarioId.NODE_ROLE).stackName, common),
    new SecretInjectedStack(app, scenario(ScenarioId.SECRET_INJECTED).stackName, common),
    new IrsaStack(app, scenario(ScenarioId.IRSA).stackName, common),
    new PodIdentityStack(app, scenario(ScenarioId.POD_IDENTITY).stackName, common),
  ];
  // EKS Pod Identity since its launch: ABAC, role chaining and session policies, in one stack.
  scenarios.push(new PodIdentityAdvancedStack(app, scenario(ScenarioId.ABAC_TEAM_A).stackName, common));

  for (const stack of scenarios) stack.addDependency(cluster);
  Aspects.of(app).add(new DeleteLogGroupsOnDestroy());
  // cdk-nag's AWS Solutions rules run on every synth; a finding fails it unless acknowledged with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { cluster, scenarios };
}

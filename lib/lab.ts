import { App, Stack } from 'aws-cdk-lib';
import { buildClusterStack } from './cluster-stack';
import { LAB_CLUSTER } from './cluster-contract';
import { LabConfig } from './lab-config';
import { NodeRoleStack } from './node-role-stack';
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
  const cluster = await buildClusterStack(app, { account, imds: config.imds });

  const scenarios: Stack[] = [
    new NodeRoleStack(app, scenario(ScenarioId.NODE_ROLE).stackName, {
      env,
      image: config.awsCliImage,
      nodeRoleS3Access: config.nodeRoleS3Access,
    }),
  ];
  for (const stack of scenarios) stack.addDependency(cluster);
  return { cluster, scenarios };
}

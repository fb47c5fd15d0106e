import { App, Aspects, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CiAccessStack } from './ci-access-stack';
import { buildClusterStack } from './cluster-stack';
import { LAB_CLUSTER } from '../cluster-contract';
import { DeleteLogGroupsOnDestroy } from './delete-log-groups-on-destroy';
import { LabConfig } from '../lab-config';
import { CI_ACCESS_STACK_NAME } from '../lab-names';
import { IrsaStack } from './irsa-stack';
import { NodeRoleStack } from './node-role-stack';
import { PodIdentityStack } from './pod-identity-stack';
import { PrecedenceStack } from './precedence-stack';
import { PodIdentityAdvancedStack } from './pod-identity-advanced-stack';
import { SecretInjectedStack } from './secret-injected-stack';
import { referToPackageAssetsInPlace } from './private/asset-staging';
import { ScenarioId, scenario } from '../scenarios';

/** The lab's stacks, by role. */
export interface LabStacks {
  readonly cluster: Stack;
  readonly scenarios: readonly Stack[];
  /**
   * The stack that lets one GitHub repository run the end-to-end test.
   * @default - none: it exists only when the ciAccess context is given
   */
  readonly ciAccess?: CiAccessStack;
}

/**
 * Creates the cluster stack and one stack per scenario. Scenario stacks depend
 * on the cluster stack, never the other way round.
 */
export async function buildLab(app: App, config: LabConfig, account?: string): Promise<LabStacks> {
  referToPackageAssetsInPlace(app);
  const env = { account, region: LAB_CLUSTER.region };
  const common = {
    env,
    image: config.awsCliImage,
    toggles: { imds: config.imds, nodeRoleS3Access: config.nodeRoleS3Access },
    // Each scenario stack applies the drill only if it is one of its own.
    drill: config.drill,
  };
  const cluster = await buildClusterStack(app, { account, imds: config.imds });

  const irsa = new IrsaStack(app, scenario(ScenarioId.IRSA).stackName, common);
  const precedence = new PrecedenceStack(app, scenario(ScenarioId.PRECEDENCE).stackName, common);
  // It trusts the OIDC provider the IRSA stack registers.
  precedence.addDependency(irsa);
  const scenarios: Stack[] = [
    new NodeRoleStack(app, scenario(ScenarioId.NODE_ROLE).stackName, common),
    new SecretInjectedStack(app, scenario(ScenarioId.SECRET_INJECTED).stackName, common),
    irsa,
    new PodIdentityStack(app, scenario(ScenarioId.POD_IDENTITY).stackName, common),
    precedence,
  ];
  // EKS Pod Identity since its launch: ABAC, role chaining and session policies, in one stack.
  scenarios.push(new PodIdentityAdvancedStack(app, scenario(ScenarioId.ABAC_TEAM_A).stackName, common));

  for (const stack of scenarios) stack.addDependency(cluster);
  // Only with its context, and independent of the lab: `cdk destroy --all` of the lab alone never
  // reaches it, so an end-to-end run never deletes the role it runs as.
  const ciAccess = config.ciAccess
    ? new CiAccessStack(app, CI_ACCESS_STACK_NAME, {
        env,
        access: config.ciAccess,
        labStackNames: [cluster, ...scenarios].map((stack) => stack.stackName),
      })
    : undefined;
  Aspects.of(app).add(new DeleteLogGroupsOnDestroy());
  // cdk-nag's AWS Solutions rules run on every synth; a finding fails it unless acknowledged with a reason.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { cluster, scenarios, ciAccess };
}

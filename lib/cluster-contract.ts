import { Fn } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/** The lab's cluster: its name and region are part of the walkthrough. */
export const LAB_CLUSTER = {
  name: 'eks-oidc-demo',
  region: 'us-east-2',
} as const;

/**
 * How many stacks a deploy of the lab runs at once, which the node must hold the pods of.
 * `--concurrency` is the most stacks `cdk deploy` runs at once, dependencies permitting, and
 * defaults to 1 (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html). `lab e2e` passes
 * `e2e`, so the scenario stacks, which wait only for the cluster stack, deploy side by side.
 */
export const DEPLOY_CONCURRENCY = {
  /** `npx cdk deploy --all`, as the README runs it. */
  cdkDefault: 1,
  /** `npm run lab -- e2e`. */
  e2e: 4,
} as const;

/**
 * What the cluster stack exports for the scenario stacks. The set is fixed, so
 * adding or removing a scenario never changes the cluster stack's template.
 */
export const CLUSTER_EXPORTS = {
  kubectlServiceToken: `${LAB_CLUSTER.name}-KubectlServiceToken`,
  kubectlRoleArn: `${LAB_CLUSTER.name}-KubectlRoleArn`,
  oidcIssuerUrl: `${LAB_CLUSTER.name}-OidcIssuerUrl`,
  nodeRoleArn: `${LAB_CLUSTER.name}-NodeRoleArn`,
} as const;

/** The cluster as a scenario stack sees it: imported through the exports above. */
export interface ImportedLabCluster {
  /** Applies manifests through the cluster stack's kubectl provider. */
  readonly cluster: eks.ICluster;
  /** `https://oidc.eks.<region>.amazonaws.com/id/<ID>`: the issuer of the pods' projected tokens. */
  readonly oidcIssuerUrl: string;
  /** The managed node group's instance role: what a pod gets when it falls back to IMDS. */
  readonly nodeRole: iam.IRole;
}

/** Imports the lab cluster into a scenario stack. Call it once per stack. */
export function importLabCluster(parent: Construct): ImportedLabCluster {
  const scope = new Construct(parent, 'LabCluster');
  const kubectlProvider = eks.KubectlProvider.fromKubectlProviderAttributes(scope, 'KubectlProvider', {
    serviceToken: Fn.importValue(CLUSTER_EXPORTS.kubectlServiceToken),
    role: iam.Role.fromRoleArn(scope, 'KubectlRole', Fn.importValue(CLUSTER_EXPORTS.kubectlRoleArn)),
  });
  const cluster = eks.Cluster.fromClusterAttributes(scope, 'Cluster', {
    clusterName: LAB_CLUSTER.name,
    kubectlProvider,
  });
  return {
    cluster,
    oidcIssuerUrl: Fn.importValue(CLUSTER_EXPORTS.oidcIssuerUrl),
    nodeRole: iam.Role.fromRoleArn(scope, 'NodeRole', Fn.importValue(CLUSTER_EXPORTS.nodeRoleArn), { mutable: true }),
  };
}

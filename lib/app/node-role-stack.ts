import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { importLabCluster } from '../cluster-contract';
import { TOGGLES_METADATA_KEY } from '../lab-names';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './private/nag';
import { ScenarioId, scenario } from '../scenarios';
import { stageOwnAssets } from './private/asset-staging';

/** The name of the legacy token Secret the node-role namespace requests. */
export const LEGACY_TOKEN_SECRET = 'legacy-default-token';

/**
 * Step 2 of the post: a pod with no credentials of its own falls back to the
 * node's instance role through IMDS, and gets AccessDenied.
 */
export class NodeRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    this.templateOptions.metadata = {
      [TOGGLES_METADATA_KEY]: { imds: props.toggles.imds, nodeRoleS3Access: props.toggles.nodeRoleS3Access },
    };

    const nodeRole = new LabScenario(this, 'NodeRole', {
      cluster: lab.cluster,
      scenario: scenario(ScenarioId.NODE_ROLE),
      image: props.image,
      toggles: props.toggles,
      legacyTokenSecret: LEGACY_TOKEN_SECRET,
    });
    const bystander = new LabScenario(this, 'Bystander', {
      cluster: lab.cluster,
      scenario: scenario(ScenarioId.BYSTANDER),
      image: props.image,
      toggles: props.toggles,
    });

    if (props.toggles.nodeRoleS3Access) {
      // The tempting fix: the grant lands on the node, so every pod there inherits it.
      const grant = new iam.Policy(this, 'NodeRoleS3Access', {
        roles: [lab.nodeRole],
        statements: [listAllMyBuckets()],
      });
      acknowledgeListAllMyBuckets(grant);
      nodeRole.podsDependOn(grant);
      bystander.podsDependOn(grant);
    }
  }
}

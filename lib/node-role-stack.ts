import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { importLabCluster } from './cluster-contract';
import { ImdsMode } from './lab-config';
import { TOGGLES_METADATA_KEY } from './lab-names';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './private/nag';
import { ScenarioId, scenario } from './scenarios';

/** The name of the legacy token Secret the node-role namespace requests. */
export const LEGACY_TOKEN_SECRET = 'legacy-default-token';

export interface NodeRoleStackProps extends ScenarioStackProps {
  /**
   * Grant `s3:ListAllMyBuckets` to the node role, to show that every pod on
   * the node then gets it.
   * @default false - the node role gets no S3 permission
   */
  readonly nodeRoleS3Access?: boolean;
  /**
   * The IMDS mode the cluster's node runs with: it decides what `eks-iam-test1` sees.
   * @default ImdsMode.OPEN - pods reach the node role
   */
  readonly imds?: ImdsMode;
}

/**
 * Step 2 of the post: a pod with no credentials of its own falls back to the
 * node's instance role through IMDS, and gets AccessDenied.
 */
export class NodeRoleStack extends Stack {
  constructor(scope: Construct, id: string, props: NodeRoleStackProps) {
    super(scope, id, props);
    const lab = importLabCluster(this);
    this.templateOptions.metadata = {
      [TOGGLES_METADATA_KEY]: { imds: props.imds ?? ImdsMode.OPEN, nodeRoleS3Access: props.nodeRoleS3Access ?? false },
    };

    const nodeRole = new LabScenario(this, 'NodeRole', {
      cluster: lab.cluster,
      scenario: scenario(ScenarioId.NODE_ROLE),
      image: props.image,
      legacyTokenSecret: LEGACY_TOKEN_SECRET,
    });
    const bystander = new LabScenario(this, 'Bystander', {
      cluster: lab.cluster,
      scenario: scenario(ScenarioId.BYSTANDER),
      image: props.image,
    });

    if (props.nodeRoleS3Access) {
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

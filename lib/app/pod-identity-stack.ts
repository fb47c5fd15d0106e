import { Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LAB_CLUSTER, importLabCluster } from '../cluster-contract';
import { drillFor } from '../drills';
import { Drill } from '../lab-config';
import { POD_IDENTITY_PRINCIPAL } from '../lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './private/nag';
import { AWS_CLI_WITHOUT_POD_IDENTITY, ScenarioId, scenario } from '../scenarios';
import { awsCliImageAt } from '../lab-config';
import { stageOwnAssets } from './private/asset-staging';

/**
 * EKS Pod Identity, the successor to IRSA: no OIDC provider and no annotation.
 * An association links a service account to a role, and the node agent
 * (the cluster stack's `eks-pod-identity-agent` add-on) hands out credentials.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html
 */
export class PodIdentityStack extends Stack {
  /** The role the `pod-identity` service account's pods get. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    const podIdentity = scenario(ScenarioId.POD_IDENTITY);
    const drill = drillFor(props.drill, ScenarioId.POD_IDENTITY);

    // The agent calls AssumeRoleForPodIdentity, which needs both sts:AssumeRole and sts:TagSession
    // (EKS user guide, pod-id-role). The drill leaves TagSession out.
    const principal = new iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL);
    this.role = new iam.Role(this, 'S3ListRole', {
      description: 'Pod Identity role for pod-identity/eks-iam-test; may only list buckets',
      assumedBy: drill === Drill.POD_IDENTITY_NO_TAG_SESSION ? principal : new iam.SessionTagsPrincipal(principal),
    });
    this.role.addToPolicy(listAllMyBuckets());
    acknowledgeListAllMyBuckets(this.role);

    const association = new eks.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: LAB_CLUSTER.name,
      namespace: podIdentity.namespace,
      serviceAccount: podIdentity.serviceAccount,
      roleArn: this.role.roleArn,
    });

    const podsFirst = drill === Drill.POD_IDENTITY_PODS_FIRST;
    const pods = new LabScenario(this, 'PodIdentity', {
      cluster: lab.cluster,
      scenario: podIdentity,
      image: props.image,
      toggles: props.toggles,
      drill,
      createServiceAccount: true,
      // The webhook only injects credentials into pods created once the association is in effect.
      waitFor: podsFirst
        ? undefined
        : InjectionGate.podIdentity({
            serviceAccount: podIdentity.serviceAccount,
            namespace: podIdentity.namespace,
            associationArn: association.attrAssociationArn,
          }),
    });
    if (podsFirst) {
      // The race the wait closes, reopened: with neither waiting for the other, CloudFormation
      // would create both at once and the outcome would be luck. Here the pods always win, as
      // they do for anyone who applies pods before their association.
      association.node.addDependency(pods.pods);
    } else {
      pods.podsDependOn(association);
    }

    // The same service account, but an AWS CLI released before EKS Pod Identity: it gets the same
    // injected variables and cannot use them.
    const oldSdk = scenario(ScenarioId.OLD_SDK);
    const oldSdkPods = new LabScenario(this, 'OldSdk', {
      cluster: lab.cluster,
      scenario: oldSdk,
      image: awsCliImageAt(props.image, AWS_CLI_WITHOUT_POD_IDENTITY),
      toggles: props.toggles,
      sharesIdentityWith: pods,
      waitFor: InjectionGate.podIdentity({
        serviceAccount: oldSdk.serviceAccount,
        namespace: oldSdk.namespace,
        associationArn: association.attrAssociationArn,
      }),
    });
    oldSdkPods.podsDependOn(association);
  }
}

import { Fn, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LAB_CLUSTER, importLabCluster } from '../cluster-contract';
import { IRSA_ROLE_ANNOTATION, POD_IDENTITY_PRINCIPAL } from '../lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { addIrsaRole } from './private/irsa-trust';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './private/nag';
import { ScenarioId, scenario } from '../scenarios';
import { stageOwnAssets } from './private/asset-staging';

/**
 * IRSA and EKS Pod Identity on one service account, each with its own role. The pod-identity
 * webhook gives container credentials precedence: for a service account with an association it
 * injects the Pod Identity variables and skips the IRSA annotation
 * (amazon-eks-pod-identity-webhook `pkg/handler/handler.go`), so the Pod Identity role wins.
 *
 * It trusts the IAM OIDC provider the IRSA stack registers: IAM refuses a second provider for the
 * same URL (EntityAlreadyExists), so this stack only names it, and depends on the IRSA stack.
 */
export class PrecedenceStack extends Stack {
  /** The role the IRSA annotation names, and which the pods never get. */
  readonly irsaRole: iam.Role;
  /** The role the association names, and which the pods get. */
  readonly podIdentityRole: iam.Role;

  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    const precedence = scenario(ScenarioId.PRECEDENCE);

    // An OIDC provider's ARN is its URL without the scheme, under the account.
    const issuerHostPath = Fn.select(1, Fn.split('https://', lab.oidcIssuerUrl));
    this.irsaRole = addIrsaRole(this, 'IrsaRole', {
      providerArn: this.formatArn({ service: 'iam', region: '', resource: 'oidc-provider', resourceName: issuerHostPath }),
      issuerHostPath,
      namespace: precedence.namespace,
      serviceAccount: precedence.serviceAccount,
      description: 'IRSA role for system:serviceaccount:precedence:eks-iam-test, which its pods never get; may only list buckets',
    });

    this.podIdentityRole = new iam.Role(this, 'PodIdentityRole', {
      description: 'Pod Identity role for precedence/eks-iam-test, which wins over the IRSA role; may only list buckets',
      assumedBy: new iam.SessionTagsPrincipal(new iam.ServicePrincipal(POD_IDENTITY_PRINCIPAL)),
    });
    this.podIdentityRole.addToPolicy(listAllMyBuckets());
    acknowledgeListAllMyBuckets(this.podIdentityRole);

    const association = new eks.CfnPodIdentityAssociation(this, 'Association', {
      clusterName: LAB_CLUSTER.name,
      namespace: precedence.namespace,
      serviceAccount: precedence.serviceAccount,
      roleArn: this.podIdentityRole.roleArn,
    });

    const pods = new LabScenario(this, 'Precedence', {
      cluster: lab.cluster,
      scenario: precedence,
      image: props.image,
      toggles: props.toggles,
      createServiceAccount: true,
      serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: this.irsaRole.roleArn },
      // Created only once both are in place, so the webhook sees both and picks one.
      waitFor: InjectionGate.podIdentity({
        serviceAccount: precedence.serviceAccount,
        namespace: precedence.namespace,
        associationArn: association.attrAssociationArn,
      }),
    });
    pods.podsDependOn(association, this.irsaRole, this.podIdentityRole);
  }
}

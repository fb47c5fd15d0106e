import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { importLabCluster } from './cluster-contract';
import { IRSA_ROLE_ANNOTATION, STS_AUDIENCE } from './lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { addIrsaRole } from './private/irsa-trust';
import { ScenarioId, scenario } from './scenarios';

/**
 * Steps 6 to 8 of the post, IAM Roles for Service Accounts, built as the post
 * does: register the cluster's issuer with IAM, trust it for one service
 * account, annotate that service account, then start the pods.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html
 */
export class IrsaStack extends Stack {
  /** The role the `irsa` service account's pods assume. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ScenarioStackProps) {
    super(scope, id, props);
    const lab = importLabCluster(this);
    const irsa = scenario(ScenarioId.IRSA);

    // Step 1: STS can only verify tokens from issuers registered as IAM OIDC providers.
    const provider = new iam.OidcProviderNative(this, 'OidcProvider', {
      url: lab.oidcIssuerUrl,
      clientIds: [STS_AUDIENCE],
    });

    // Step 2: trust exactly one service account.
    this.role = addIrsaRole(this, 'S3ListRole', {
      providerArn: provider.oidcProviderArn,
      issuerHostPath: provider.oidcProviderIssuer,
      namespace: irsa.namespace,
      serviceAccount: irsa.serviceAccount,
      description: 'IRSA role for system:serviceaccount:irsa:eks-iam-test; may only list buckets',
    });

    // Step 3: the annotation the pod-identity webhook reads when a pod is created.
    const pods = new LabScenario(this, 'Irsa', {
      cluster: lab.cluster,
      scenario: irsa,
      image: props.image,
      toggles: props.toggles,
      createServiceAccount: true,
      serviceAccountAnnotations: { [IRSA_ROLE_ANNOTATION]: this.role.roleArn },
      // The webhook reads the annotation from its service-account cache, which lags the API server.
      waitFor: InjectionGate.irsa({ serviceAccount: irsa.serviceAccount, namespace: irsa.namespace, annotation: IRSA_ROLE_ANNOTATION }),
    });
    // Step 4: pods only after the role can be assumed.
    pods.podsDependOn(this.role);
  }
}

import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LAB_CLUSTER, importLabCluster } from '../cluster-contract';
import { drillFor } from '../drills';
import { Drill } from '../lab-config';
import { IRSA_ROLE_ANNOTATION, STS_AUDIENCE, STS_AUDIENCE_TYPO } from '../lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { addIrsaRole } from './private/irsa-trust';
import { ScenarioId, scenario } from '../scenarios';
import { stageOwnAssets } from './private/asset-staging';

/**
 * The issuer of another cluster, as if this one had been re-created with a new issuer and nobody
 * registered it: the `irsa-no-oidc-provider` drill registers this one instead. The id is all zeros,
 * which no real cluster gets. A provider that exists keeps the role deployable: IAM is reported to
 * refuse a trust naming a provider that does not ("MalformedPolicyDocument: Federated principals
 * must be valid domain names or SAML metadata ARNs", terraform-aws-modules/terraform-aws-eks#2594).
 */
export const ANOTHER_CLUSTERS_ISSUER = `https://oidc.eks.${LAB_CLUSTER.region}.amazonaws.com/id/00000000000000000000000000000000`;

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
    stageOwnAssets(this);
    const lab = importLabCluster(this);
    const irsa = scenario(ScenarioId.IRSA);
    // A drill breaks one of these on purpose; without one, each is the value the post uses.
    const drill = drillFor(props.drill, ScenarioId.IRSA);
    const setup = {
      issuerUrl: drill === Drill.IRSA_NO_OIDC_PROVIDER ? ANOTHER_CLUSTERS_ISSUER : lab.oidcIssuerUrl,
      clientId: drill === Drill.IRSA_CLIENT_ID_TYPO ? STS_AUDIENCE_TYPO : STS_AUDIENCE,
      trustedNamespace: drill === Drill.IRSA_WRONG_NAMESPACE ? 'default' : irsa.namespace,
      trustedAudience: drill === Drill.IRSA_AUD_TYPO ? STS_AUDIENCE_TYPO : STS_AUDIENCE,
      annotated: drill !== Drill.IRSA_NO_ANNOTATION,
    };

    // Step 1: STS can only verify tokens from issuers registered as IAM OIDC providers, and only
    // if the token's aud is one of the provider's client ids.
    const provider = new iam.OidcProviderNative(this, 'OidcProvider', {
      url: setup.issuerUrl,
      clientIds: [setup.clientId],
    });

    // Step 2: trust exactly one service account.
    this.role = addIrsaRole(this, 'S3ListRole', {
      providerArn: provider.oidcProviderArn,
      issuerHostPath: provider.oidcProviderIssuer,
      namespace: setup.trustedNamespace,
      serviceAccount: irsa.serviceAccount,
      audience: setup.trustedAudience,
      description: 'IRSA role for system:serviceaccount:irsa:eks-iam-test; may only list buckets',
    });

    // Step 3: the annotation the pod-identity webhook reads when a pod is created.
    const pods = new LabScenario(this, 'Irsa', {
      cluster: lab.cluster,
      scenario: irsa,
      image: props.image,
      toggles: props.toggles,
      drill,
      createServiceAccount: true,
      serviceAccountAnnotations: setup.annotated ? { [IRSA_ROLE_ANNOTATION]: this.role.roleArn } : undefined,
      // The webhook reads the annotation from its service-account cache, which lags the API server.
      // Without the annotation there is nothing to wait for: an update of the service account
      // replaces its cache entry, and the webhook injects a role only if the entry has one
      // (amazon-eks-pod-identity-webhook `pkg/cache/cache.go`, UpdateFunc and Get).
      waitFor: setup.annotated
        ? InjectionGate.irsa({ serviceAccount: irsa.serviceAccount, namespace: irsa.namespace, annotation: IRSA_ROLE_ANNOTATION })
        : undefined,
    });
    // Step 4: pods only after the role can be assumed.
    pods.podsDependOn(this.role);
  }
}

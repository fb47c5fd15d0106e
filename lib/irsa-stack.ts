import { CfnJson, CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { importLabCluster } from './cluster-contract';
import { IRSA_ROLE_ANNOTATION, STS_AUDIENCE } from './lab-names';
import { InjectionGate } from './lab-pods';
import { LabScenario, ScenarioStackProps } from './lab-scenario';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './private/nag';
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

    // Step 2: trust exactly one service account. The issuer only exists after deploy, so the
    // condition keys are built at deploy time; StringEquals, never StringLike with wildcards.
    const trustConditions = new CfnJson(this, 'TrustConditions', {
      value: {
        [`${provider.oidcProviderIssuer}:sub`]: `system:serviceaccount:${irsa.namespace}:${irsa.serviceAccount}`,
        [`${provider.oidcProviderIssuer}:aud`]: STS_AUDIENCE,
      },
    });
    ownCfnUtilsLogGroup(this, trustConditions);
    this.role = new iam.Role(this, 'S3ListRole', {
      description: 'IRSA role for system:serviceaccount:irsa:eks-iam-test; may only list buckets',
      assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, { StringEquals: trustConditions }),
    });
    this.role.addToPolicy(listAllMyBuckets());
    acknowledgeListAllMyBuckets(this.role);

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

/**
 * `CfnJson` runs a stack-wide Lambda, and Lambda creates its log group on first
 * run, outside CloudFormation. Creating the group first, in the stack, lets
 * `cdk destroy` delete it.
 */
function ownCfnUtilsLogGroup(stack: Stack, consumer: CfnJson): void {
  const handler = stack.node.findChild('AWSCDKCfnUtilsProviderCustomResourceProvider').node.findChild('Handler') as CfnResource;
  const logGroup = new logs.LogGroup(stack, 'CfnUtilsLogGroup', {
    logGroupName: Fn.join('', ['/aws/lambda/', handler.ref]),
    retention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  consumer.node.addDependency(logGroup);
}

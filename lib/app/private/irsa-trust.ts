import { CfnJson, CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { STS_AUDIENCE } from '../../lab-names';
import { acknowledgeListAllMyBuckets, listAllMyBuckets } from './nag';

/** Who may assume an IRSA role: one service account, with a token from one issuer. */
export interface IrsaTrustProps {
  /** The IAM OIDC provider registered for the cluster's issuer. */
  readonly providerArn: string;
  /** The issuer without `https://`, as IAM names the condition keys. */
  readonly issuerHostPath: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The role's description. */
  readonly description: string;
  /**
   * The `aud` the trust requires.
   * @default STS_AUDIENCE - `sts.amazonaws.com`, the client id STS checks the token against
   */
  readonly audience?: string;
  /**
   * The construct id of the trust conditions.
   * @default 'TrustConditions'
   */
  readonly conditionsId?: string;
}

/**
 * A role that only `system:serviceaccount:<namespace>:<serviceAccount>` can assume through
 * `AssumeRoleWithWebIdentity`, and that may only list buckets. The issuer only exists after the
 * cluster is deployed, so the condition keys are built at deploy time; `StringEquals` on both
 * `sub` and `aud`, never `StringLike` with wildcards.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
 */
export function addIrsaRole(stack: Stack, id: string, props: IrsaTrustProps): iam.Role {
  const trustConditions = new CfnJson(stack, props.conditionsId ?? 'TrustConditions', {
    value: {
      [`${props.issuerHostPath}:sub`]: `system:serviceaccount:${props.namespace}:${props.serviceAccount}`,
      [`${props.issuerHostPath}:aud`]: props.audience ?? STS_AUDIENCE,
    },
  });
  trustConditions.node.addDependency(ownCfnUtilsLogGroup(stack));
  const role = new iam.Role(stack, id, {
    description: props.description,
    assumedBy: new iam.WebIdentityPrincipal(props.providerArn, { StringEquals: trustConditions }),
  });
  role.addToPolicy(listAllMyBuckets());
  acknowledgeListAllMyBuckets(role);
  return role;
}

/**
 * `CfnJson` runs a stack-wide Lambda, and Lambda creates its log group on first run, outside
 * CloudFormation. Creating the group first, in the stack, lets `cdk destroy` delete it.
 */
function ownCfnUtilsLogGroup(stack: Stack): logs.LogGroup {
  const existing = stack.node.tryFindChild('CfnUtilsLogGroup');
  if (existing instanceof logs.LogGroup) return existing;
  const handler = stack.node.findChild('AWSCDKCfnUtilsProviderCustomResourceProvider').node.findChild('Handler') as CfnResource;
  return new logs.LogGroup(stack, 'CfnUtilsLogGroup', {
    logGroupName: Fn.join('', ['/aws/lambda/', handler.ref]),
    retention: logs.RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
  });
}

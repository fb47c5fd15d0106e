import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag AWS Solutions findings on a construct and its children,
 * with the reason a reader of the lab should know.
 */
export function acknowledgeNag(scope: IConstruct, reason: string, ...ruleIds: string[]): void {
  for (const id of ruleIds) {
    // The metadata `Validations.of(scope).acknowledge()` writes, written directly: that method
    // rejects finding ids such as `IAM4[Policy::arn:<AWS::Partition>:…]` for their extra `::`.
    scope.node.addMetadata(Validations.ACKNOWLEDGED_RULES_METADATA_KEY, { [`AwsSolutions-${id}`]: reason });
  }
}

/** The IAM4 finding id for an AWS managed policy. */
export function managedPolicyFinding(policyName: string): string {
  return `IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${policyName}]`;
}

/**
 * The one permission every lab identity gets. `s3:ListAllMyBuckets` has no
 * resource-level scoping, so `*` is the narrowest resource IAM accepts.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 */
export function listAllMyBuckets(): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] });
}

/** Acknowledges the `Resource::*` finding that `listAllMyBuckets` always raises. */
export function acknowledgeListAllMyBuckets(scope: IConstruct): void {
  acknowledgeNag(
    scope,
    's3:ListAllMyBuckets supports no resource ARN, so * is the narrowest resource; the action is the only one granted.',
    'IAM5[Resource::*]',
  );
}

import { IAspect, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { IConstruct } from 'constructs';

/**
 * Deletes every log group with its stack. The CDK keeps them by default, and
 * `cdk destroy --all` would then leave the lab's Lambda logs behind.
 */
export class DeleteLogGroupsOnDestroy implements IAspect {
  visit(node: IConstruct): void {
    if (node instanceof logs.CfnLogGroup) {
      node.applyRemovalPolicy(RemovalPolicy.DESTROY);
    }
  }
}

import * as path from 'node:path';
import { CustomResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNag } from './private/nag';

/** The custom resource that puts the lab bucket's objects, and empties the bucket on delete. */
export const LAB_OBJECTS_RESOURCE_TYPE = 'Custom::LabObjects';

export interface LabBucketProps {
  /**
   * The objects to put, text by key. They travel in the custom resource's properties, which the
   * provider framework logs: small, public text only.
   */
  readonly objects: Readonly<Record<string, string>>;
}

/**
 * A private, encrypted S3 bucket holding a few small objects, that leaves nothing behind.
 *
 * CloudFormation deletes only an empty bucket ("all objects … must be deleted before the bucket
 * itself can be deleted", S3 API reference, DeleteBucket), so a custom resource puts the objects at
 * deploy time and deletes every object before the bucket goes. The CDK's `autoDeleteObjects` and
 * `BucketDeployment` would do the same with wildcard actions (`s3:DeleteObject*`, `s3:List*`,
 * `s3:PutObject*`), which the lab grants nowhere.
 */
export class LabBucket extends Construct {
  readonly bucket: s3.Bucket;
  /** Puts the objects: whatever reads them must depend on it. */
  readonly objects: CustomResource;

  constructor(scope: Construct, id: string, props: LabBucketProps) {
    super(scope, id);
    const keys = Object.keys(props.objects);
    if (keys.length === 0) throw new Error('A LabBucket needs at least one object: pass objects: { key: text }.');

    this.bucket = new s3.Bucket(this, 'Bucket', {
      // SSE-S3: encrypted at rest at no extra charge (S3 user guide, UsingServerSideEncryption), and
      // readable with s3:GetObject alone, where SSE-KMS would need kms:Decrypt too.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeNag(
      this.bucket,
      'The bucket holds two small text objects for as long as the lab runs; a second bucket for its access logs would be one more thing to delete. The pods log every read they try.',
      'S1',
    );

    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Puts the lab bucket objects and empties the bucket before it is deleted',
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: keys.map((key) => this.bucket.arnForObjects(key)) }));
    // ListObjectsV2 needs s3:ListBucket on the bucket; DeleteObjects needs s3:DeleteObject on each key.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [this.bucket.arnForObjects('*')] }));
    acknowledgeNag(
      role,
      "Emptying the bucket before CloudFormation deletes it must reach every object in it, also those put by hand; the bucket is the lab's own.",
      `IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/*]`,
    );

    // Explicit log groups: Lambda's implicit /aws/lambda/<name> group would outlive `cdk destroy`.
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', {
      retention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    logGroup.grantWrite(role);
    const handler = new lambda.Function(this, 'Handler', {
      description: 'Puts the lab bucket objects and empties the bucket before it is deleted',
      runtime: lambda.Runtime.PYTHON_3_14,
      handler: 'lab_objects.on_event',
      code: lambda.Code.fromAsset(path.join(__dirname, 'bucket-handlers'), { exclude: ['__pycache__', '*.pyc'] }),
      timeout: Duration.minutes(5),
      role,
      logGroup,
    });

    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Relays CloudFormation events to the lab bucket objects handler',
    });
    const frameworkLogGroup = new logs.LogGroup(this, 'ProviderLogs', {
      retention: logs.RetentionDays.ONE_DAY,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    frameworkLogGroup.grantWrite(frameworkRole);
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: handler,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogGroup,
    });
    acknowledgeNag(
      frameworkRole,
      'The provider framework may invoke any version of the one function it relays to.',
      `IAM5[Resource::<${Stack.of(this).getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    );

    this.objects = new CustomResource(this, 'Objects', {
      serviceToken: provider.serviceToken,
      resourceType: LAB_OBJECTS_RESOURCE_TYPE,
      properties: { BucketName: this.bucket.bucketName, Objects: props.objects },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

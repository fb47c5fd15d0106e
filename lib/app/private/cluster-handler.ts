import * as path from 'node:path';
import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsCliLayer } from 'aws-cdk-lib/lambda-layer-awscli';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNag } from './nag';

/** How a cluster handler is set up: which Python entry point, where it may act, how long it keeps logs. */
export interface ClusterHandlerProps {
  /** The cluster the handler runs kubectl against. */
  readonly cluster: eks.ICluster;
  /** `module.function` in `lib/app/cluster-handlers`. */
  readonly entryPoint: string;
  /** What the function does, for its description and its roles'. */
  readonly purpose: string;
  /** The namespaces its access entry reaches; nothing cluster-wide. */
  readonly namespaces: string[];
  /** How long the function's and the provider's logs are kept. */
  readonly logRetention: logs.RetentionDays;
}

/**
 * How long the handler may run. The provider framework's own function has Lambda's longest,
 * 15 minutes (`FRAMEWORK_HANDLER_TIMEOUT` in aws-cdk-lib custom-resources provider-framework
 * provider.ts), and waits for the handler's answer in one synchronous Invoke (runtime/outbound.ts).
 * A handler that stops a minute sooner leaves the framework time to report the failure to
 * CloudFormation; the handler's own deadlines end it well before (test/lab-pods.test.ts). A
 * framework that died instead would be run again: CloudFormation invokes it asynchronously
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-cloudformation.html), and Lambda retries
 * a failed asynchronous invocation twice by default (AWS::Lambda::EventInvokeConfig reference).
 * `totalTimeout` and `queryInterval` do not apply: they bound the `isComplete` waiter, which these
 * providers do not use.
 */
export const HANDLER_TIMEOUT = Duration.minutes(14);

/**
 * How long CloudFormation waits for a custom resource's answer before it fails the operation: by
 * default 3600 s (AWS::CloudFormation::CustomResource `ServiceTimeout`). The framework's function
 * has answered or died by 15 minutes, so waiting longer only delays the failure.
 */
export const SERVICE_TIMEOUT = Duration.minutes(15);

/** What a cluster handler gives its custom resources. */
export interface ClusterHandler {
  /** The role the function runs as, and the principal of its access entry. */
  readonly role: iam.IRole;
  /** The provider framework's service token, for `CustomResource`. */
  readonly serviceToken: string;
  /** Custom resources must depend on it: the function can reach the cluster only once it exists. */
  readonly accessEntry: eks.AccessEntry;
}

/**
 * A Python function that runs kubectl against the lab's cluster, behind the CDK provider
 * framework, with its own namespace-scoped access entry. Its children are added to `scope`.
 *
 * kubectl authenticates through the AWS CLI (`update-kubeconfig` sets up `aws eks get-token`),
 * as the CDK's own kubectl handler does.
 */
export function addClusterHandler(scope: Construct, props: ClusterHandlerProps): ClusterHandler {
  const stack = Stack.of(scope);
  const role = new iam.Role(scope, 'HandlerRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: props.purpose,
  });
  // `aws eks update-kubeconfig` reads the endpoint and CA from DescribeCluster.
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['eks:DescribeCluster'],
      resources: [stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: props.cluster.clusterName })],
    }),
  );

  // An explicit log group: Lambda's implicit /aws/lambda/<name> group would outlive `cdk destroy`.
  const logGroup = new logs.LogGroup(scope, 'HandlerLogs', { retention: props.logRetention, removalPolicy: RemovalPolicy.DESTROY });
  logGroup.grantWrite(role);

  const handler = new lambda.Function(scope, 'Handler', {
    description: props.purpose,
    // The runtime the aws-eks-v2 kubectl handler pairs with the same AWS CLI layer.
    runtime: lambda.Runtime.PYTHON_3_13,
    handler: props.entryPoint,
    code: lambda.Code.fromAsset(path.join(__dirname, '..', 'cluster-handlers'), { exclude: ['__pycache__', '*.pyc'] }),
    // kubectl 1.35, the cluster's Kubernetes version.
    layers: [new KubectlV35Layer(scope, 'KubectlLayer'), new AwsCliLayer(scope, 'AwsCliLayer')],
    memorySize: 512,
    timeout: HANDLER_TIMEOUT,
    role,
    logGroup,
  });

  const accessEntry = new eks.AccessEntry(scope, 'ClusterAccess', {
    cluster: props.cluster,
    principal: role.roleArn,
    accessPolicies: [
      // Edit rights in the handler's namespaces only: nothing cluster-wide.
      eks.AccessPolicy.fromAccessPolicyName('AmazonEKSEditPolicy', {
        accessScopeType: eks.AccessScopeType.NAMESPACE,
        namespaces: props.namespaces,
      }),
    ],
    removalPolicy: RemovalPolicy.DESTROY,
  });

  const frameworkRole = new iam.Role(scope, 'ProviderRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Relays CloudFormation events to: ${props.purpose}`,
  });
  const frameworkLogGroup = new logs.LogGroup(scope, 'ProviderLogs', {
    retention: props.logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  frameworkLogGroup.grantWrite(frameworkRole);
  // The framework logs every event it relays, so no custom resource property may hold a secret.
  const provider = new cr.Provider(scope, 'Provider', {
    onEventHandler: handler,
    frameworkOnEventRole: frameworkRole,
    logGroup: frameworkLogGroup,
  });

  acknowledgeNag(
    handler,
    'Python 3.13 is the runtime the aws-eks-v2 kubectl handler runs the same AWS CLI layer on; a newer one is not proven with it.',
    'L1',
  );
  acknowledgeNag(
    frameworkRole,
    'The provider framework may invoke any version of the one function it relays to.',
    `IAM5[Resource::<${stack.getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
  );
  return { role, serviceToken: provider.serviceToken, accessEntry };
}

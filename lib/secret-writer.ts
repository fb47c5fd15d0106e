import * as path from 'node:path';
import { KubectlV35Layer } from '@aws-cdk/lambda-layer-kubectl-v35';
import { CustomResource, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsCliLayer } from 'aws-cdk-lib/lambda-layer-awscli';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { acknowledgeNag } from './private/nag';
import { Construct } from 'constructs';

/** The custom resource type, as it shows in the template and the CloudFormation console. */
export const SECRET_WRITER_RESOURCE_TYPE = 'Custom::KubernetesSecretWriter';

/**
 * The only properties the custom resource carries: names and an ARN. The
 * provider framework logs them, so no value may ever be added here.
 */
export enum SecretWriterProperty {
  CLUSTER_NAME = 'ClusterName',
  NAMESPACE = 'Namespace',
  SECRET_NAME = 'SecretName',
  SOURCE_SECRET_ARN = 'SourceSecretArn',
}

export interface SecretWriterProps {
  /** The cluster to write the Secret to. The writer gets access to `namespace` only. */
  readonly cluster: eks.ICluster;
  /** The namespace of the Kubernetes Secret. It must exist before the writer runs. */
  readonly namespace: string;
  /** The name of the Kubernetes Secret. */
  readonly secretName: string;
  /**
   * A secret holding a JSON object of strings. Each field becomes a key of the
   * Kubernetes Secret under the same name, so name the fields as the pods expect.
   */
  readonly source: secretsmanager.ISecret;
  /**
   * How long the writer's logs are kept. They hold names and ARNs only.
   * @default logs.RetentionDays.ONE_DAY - enough to debug a deploy, and nothing lingers
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Copies a Secrets Manager secret into an Opaque Kubernetes Secret, without
 * the value passing through a template, a custom-resource property or a log.
 *
 * The CDK's own kubectl handler logs the whole event it receives, manifest
 * included, so a Secret applied through `KubernetesManifest` would land in
 * CloudWatch Logs in clear text. This writer's event carries only names and an
 * ARN; its function reads the value and pipes the manifest to kubectl on stdin.
 */
export class SecretWriter extends Construct {
  /** The custom resource. Make it depend on the namespace; make the pods depend on it. */
  readonly resource: CustomResource;
  /** The role the function runs as, and the principal of its access entry. */
  readonly role: iam.IRole;

  constructor(scope: Construct, id: string, props: SecretWriterProps) {
    super(scope, id);
    validateName('namespace', props.namespace, DNS_LABEL);
    validateName('Secret name', props.secretName, DNS_SUBDOMAIN);
    const stack = Stack.of(this);
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_DAY;

    const role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Writes the Kubernetes Secret ${props.namespace}/${props.secretName}`,
    });
    this.role = role;
    role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.source.secretArn] }));
    // `aws eks update-kubeconfig` reads the endpoint and CA from DescribeCluster.
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['eks:DescribeCluster'],
        resources: [stack.formatArn({ service: 'eks', resource: 'cluster', resourceName: props.cluster.clusterName })],
      }),
    );

    // An explicit log group: Lambda's implicit /aws/lambda/<name> group would outlive `cdk destroy`.
    const logGroup = new logs.LogGroup(this, 'HandlerLogs', { retention: logRetention, removalPolicy: RemovalPolicy.DESTROY });
    logGroup.grantWrite(role);

    // kubectl authenticates through the AWS CLI (`update-kubeconfig` sets up `aws eks get-token`), as the
    // CDK's own kubectl handler does, rather than through an STS token presigned by hand in Python.
    const handler = new lambda.Function(this, 'Handler', {
      description: `Writes the Kubernetes Secret ${props.namespace}/${props.secretName} from Secrets Manager`,
      // The runtime the aws-eks-v2 kubectl handler pairs with the same AWS CLI layer.
      runtime: lambda.Runtime.PYTHON_3_13,
      handler: 'index.on_event',
      code: lambda.Code.fromAsset(path.join(__dirname, 'secret-writer', 'handler'), { exclude: ['__pycache__', '*.pyc'] }),
      // kubectl 1.35, the cluster's Kubernetes version.
      layers: [new KubectlV35Layer(this, 'KubectlLayer'), new AwsCliLayer(this, 'AwsCliLayer')],
      memorySize: 512,
      timeout: Duration.minutes(5),
      role,
      logGroup,
    });

    const eksAccess = new eks.AccessEntry(this, 'ClusterAccess', {
      cluster: props.cluster,
      principal: role.roleArn,
      accessPolicies: [
        // Edit rights in one namespace: enough to write a Secret there, nothing cluster-wide.
        eks.AccessPolicy.fromAccessPolicyName('AmazonEKSEditPolicy', {
          accessScopeType: eks.AccessScopeType.NAMESPACE,
          namespaces: [props.namespace],
        }),
      ],
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Relays CloudFormation events to the writer of ${props.namespace}/${props.secretName}`,
    });
    const frameworkLogGroup = new logs.LogGroup(this, 'ProviderLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    frameworkLogGroup.grantWrite(frameworkRole);
    // The framework logs every event it relays; that is safe because the properties hold no value.
    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: handler,
      frameworkOnEventRole: frameworkRole,
      logGroup: frameworkLogGroup,
    });

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: SECRET_WRITER_RESOURCE_TYPE,
      properties: {
        [SecretWriterProperty.CLUSTER_NAME]: props.cluster.clusterName,
        [SecretWriterProperty.NAMESPACE]: props.namespace,
        [SecretWriterProperty.SECRET_NAME]: props.secretName,
        [SecretWriterProperty.SOURCE_SECRET_ARN]: props.source.secretArn,
      },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Written only once the function may reach the cluster; deleted while it still may.
    this.resource.node.addDependency(eksAccess);

    acknowledgeNag(
      handler,
      'Python 3.13 is the runtime the aws-eks-v2 kubectl handler runs the same AWS CLI layer on; a newer one is not proven with it.',
      'L1',
    );
    acknowledgeNag(
      frameworkRole,
      'The provider framework may invoke any version of the one writer function it relays to.',
      `IAM5[Resource::<${stack.getLogicalId(handler.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
    );
  }
}

// Namespaces are DNS labels; Secret names are DNS subdomains.
// @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
const DNS_LABEL = { pattern: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, maxLength: 63, allowed: "lowercase letters, digits and '-'" };
const DNS_SUBDOMAIN = { pattern: /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, maxLength: 253, allowed: "lowercase letters, digits, '-' and '.'" };

function validateName(what: string, value: string, rule: typeof DNS_LABEL): void {
  if (Token.isUnresolved(value)) return;
  if (value.length > rule.maxLength || !rule.pattern.test(value)) {
    throw new Error(
      `Invalid Kubernetes ${what} '${value}': use at most ${rule.maxLength} ${rule.allowed}, starting and ending with a letter or digit.`,
    );
  }
}

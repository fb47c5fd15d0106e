import { CustomResource, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { SERVICE_TIMEOUT, addClusterHandler } from './private/cluster-handler';

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
    const handler = addClusterHandler(this, {
      cluster: props.cluster,
      entryPoint: 'secret_writer.on_event',
      purpose: `Writes the Kubernetes Secret ${props.namespace}/${props.secretName} from Secrets Manager`,
      namespaces: [props.namespace],
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_DAY,
    });
    this.role = handler.role;
    handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: [props.source.secretArn] }),
    );

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: handler.serviceToken,
      resourceType: SECRET_WRITER_RESOURCE_TYPE,
      properties: {
        [SecretWriterProperty.CLUSTER_NAME]: props.cluster.clusterName,
        [SecretWriterProperty.NAMESPACE]: props.namespace,
        [SecretWriterProperty.SECRET_NAME]: props.secretName,
        [SecretWriterProperty.SOURCE_SECRET_ARN]: props.source.secretArn,
      },
      removalPolicy: RemovalPolicy.DESTROY,
      // A stuck handler fails the deploy in minutes, not after CloudFormation's default hour.
      serviceTimeout: SERVICE_TIMEOUT,
    });
    // Written only once the function may reach the cluster; deleted while it still may.
    this.resource.node.addDependency(handler.accessEntry);
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

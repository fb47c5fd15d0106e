import { LAB_CLUSTER } from '../../lib/cluster-contract';
import { NODE_POD_CAPACITY } from '../../lib/app/cluster-stack';
import { HANDLER_TIMEOUT } from '../../lib/app/private/cluster-handler';
import { PLACEHOLDER_ISSUER } from '../../lib/cli/private/intrinsics';
import { FakeApiServer } from '../cluster-handlers/fake-api-server';
import { FakeCluster, KubeObject } from '../cluster-handlers/fake-cluster';
import { HandlerTools } from '../cluster-handlers/run-handler';
import { ResourceAnswer, ResourceRequest } from './cloudformation';
import { Invocation, invokeHandler } from './handler-process';

/** Lambda stops a function at its timeout ("Task timed out after N seconds"), which the lab sets for its handlers. */
const LAMBDA_TIMEOUT_SECONDS = HANDLER_TIMEOUT.toSeconds();

/** One delivery of a CloudFormation event to a real cluster handler. */
export interface HandlerRun {
  readonly stackName: string;
  readonly logicalId: string;
  readonly requestType: string;
  readonly rollback: boolean;
  readonly invocation: Invocation;
}

/**
 * What the lab's resources do to the cluster, as CloudFormation, EKS and the CDK's handlers
 * would, on a `FakeCluster` behind a `FakeApiServer`:
 * - `Custom::LabPods`: its event goes to the real `lab_pods.py`, with its Lambda layer's kubectl;
 * - the kubectl provider's manifests (`Custom::AWSCDK-EKS-KubernetesResource`): namespaces and
 *   service accounts applied, and pruned on Update, as the CDK's apply handler does with
 *   `kubectl apply --prune -l <PruneLabel>` and `kubectl delete` on Delete
 *   (aws-cdk-lib `custom-resource-handlers/dist/aws-eks-v2/kubectl-handler/apply/__init__.py`);
 * - `Custom::AWSCDK-EKS-KubernetesObjectValue`: read from the cluster, retrying NotFound every 10 s
 *   until `TimeoutSeconds` (same package, `kubectl-handler/get/__init__.py`);
 * - `AWS::EKS::PodIdentityAssociation`: created and deleted on the cluster, in effect after the fake's delay;
 * - `AWS::EKS::Nodegroup`: an Update that changes its launch template version replaces the node;
 * - `AWS::IAM::OIDCProvider`: its Ref is the provider's ARN, built from its Url
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-oidcprovider.html);
 * - `Custom::AWSCDKCfnJson`: its `Value` attribute is its `Value` property parsed (aws-cdk-lib `core/lib/cfn-json.ts`).
 *
 * Everything else (IAM, Lambda, logs, KMS, S3, the VPC, add-ons, access entries, the secret
 * writer, the bucket objects) is recorded and answered with a physical id: it changes nothing the
 * cluster's pods or service accounts show. The secret writer would need Secrets in the fake API
 * server, which serves pods, service accounts and namespaces only.
 */
export class LabCloud {
  readonly api: FakeApiServer;
  readonly cluster: FakeCluster;
  /** Every delivery to a real handler, in order. */
  readonly handlerRuns: HandlerRun[] = [];
  /** Objects the kubectl provider applied that the fake does not hold (Secrets), by `namespace/name`. */
  readonly unmodelledObjects = new Map<string, KubeObject>();
  /** The most node slots in use seen after any handler run. */
  peakSlots = 0;
  private readonly associations = new Map<string, string>();
  /** Each launch template's versions by its id: the LaunchTemplateData of version N at N − 1. */
  private readonly launchTemplates = new Map<string, Record<string, unknown>[]>();
  /** The launch template and version the node group launched the cluster's node from. */
  private nodeLaunchTemplate?: { readonly id: string; readonly version: number };
  private names = 0;
  private launchTemplateIds = 0;

  private constructor(
    private readonly tools: HandlerTools,
    api: FakeApiServer,
    private readonly account: string,
    /** The namespaces of the pods the cluster runs by itself on every node: add-ons and agents. */
    readonly systemNamespaces: ReadonlySet<string>,
  ) {
    this.api = api;
    this.cluster = api.cluster;
    // The replay does not model what the AWS CLI gets back, only that a pod which runs one
    // command ends: Succeeded says it finished, not that AWS allowed the call. A pod whose
    // container sleeps never ends, nor does an agent's.
    this.cluster.finish = (pod) => (runsUntilStopped(pod) || systemNamespaces.has(pod.metadata.namespace) ? undefined : 'Succeeded');
  }

  static async start(tools: HandlerTools, options: { account?: string; extraDaemonSets?: string[] } = {}): Promise<LabCloud> {
    const daemonSets = [
      'kube-system/aws-node',
      'kube-system/kube-proxy',
      'kube-system/eks-pod-identity-agent',
      // The CoreDNS add-on's Deployment runs two replicas (NODE_POD_CAPACITY in lib/app/cluster-stack.ts):
      // on the lab's one node they hold two slots, and come back on a new node as DaemonSet pods do.
      ...Array.from({ length: NODE_POD_CAPACITY.coreDnsPods }, () => 'kube-system/coredns'),
      ...(options.extraDaemonSets ?? []),
    ];
    // The node takes as many pods as the node group computes for it (NODE_POD_CAPACITY).
    const api = await new FakeApiServer({ daemonSets, maxPods: NODE_POD_CAPACITY.maxPods }).start();
    return new LabCloud(tools, api, options.account ?? '123456789012', new Set(daemonSets.map((d) => d.split('/')[0])));
  }

  async stop(): Promise<void> {
    await this.api.stop();
  }

  /** The resource handler to give `CloudFormation`. */
  readonly handle = async (request: ResourceRequest): Promise<ResourceAnswer> => {
    const props = request.properties;
    switch (request.type) {
      case 'AWS::EKS::Cluster':
        // Ref of a cluster is its name.
        return {
          physicalId: String(props.Name ?? LAB_CLUSTER.name),
          attributes: {
            OpenIdConnectIssuerUrl: PLACEHOLDER_ISSUER,
            Arn: `arn:aws:eks:${LAB_CLUSTER.region}:${this.account}:cluster/${props.Name}`,
          },
        };
      case 'AWS::EC2::LaunchTemplate':
        return this.launchTemplateVersion(request);
      case 'AWS::EKS::Nodegroup': {
        if (request.requestType === 'Delete') return {};
        const launches = request.requestType === 'Create' || !sameJson(props.LaunchTemplate, request.oldProperties?.LaunchTemplate);
        if (request.requestType === 'Update' && launches) this.cluster.replaceNode();
        if (launches) this.nodeLaunchTemplate = launchTemplateSpecOf(props.LaunchTemplate);
        return {};
      }
      case 'AWS::EKS::PodIdentityAssociation':
        return this.association(request);
      case 'AWS::IAM::OIDCProvider':
        return { physicalId: `arn:aws:iam::${this.account}:oidc-provider/${String(props.Url).replace(/^https:\/\//, '')}` };
      case 'Custom::AWSCDKCfnJson':
        return { attributes: { Value: JSON.parse(String(props.Value)) } };
      case 'Custom::AWSCDK-EKS-KubernetesResource':
        this.applyManifest(request);
        return {};
      case 'Custom::AWSCDK-EKS-KubernetesObjectValue':
        return this.objectValue(request);
      case 'Custom::LabPods':
        return this.deliver(request, 'lab_pods');
      default:
        return request.requestType === 'Create' ? this.generatedName(request) : {};
    }
  };

  /**
   * A resource CloudFormation names itself gets `<stack>-<logical id>-<random>`
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html),
   * and the ARN its type builds from that name, which templates split to take the name back. A role
   * given a RoleName is called that
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html).
   */
  private generatedName(request: ResourceRequest): ResourceAnswer {
    this.names += 1;
    const given = request.type === 'AWS::IAM::Role' ? request.properties.RoleName : undefined;
    const name =
      given !== undefined ? String(given) : `${request.stackName}-${request.logicalId}-${String(this.names).padStart(12, '0')}`.slice(-64);
    const region = LAB_CLUSTER.region;
    const arns: Record<string, string> = {
      'AWS::IAM::Role': `arn:aws:iam::${this.account}:role/${name}`,
      'AWS::IAM::User': `arn:aws:iam::${this.account}:user/${name}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${region}:${this.account}:function:${name}`,
      'AWS::Logs::LogGroup': `arn:aws:logs:${region}:${this.account}:log-group:${name}:*`,
      'AWS::KMS::Key': `arn:aws:kms:${region}:${this.account}:key/${name}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${name.toLowerCase()}`,
    };
    return { physicalId: name, attributes: request.type in arns ? { Arn: arns[request.type] } : {} };
  }

  /** `kubectl get <kind> -A -o json`, as the cluster holds it now. */
  kubectlGet(kind: 'pods' | 'serviceaccounts'): KubeObject {
    return this.cluster.kubectlGet(kind);
  }

  /**
   * Each create or update of a launch template's data is a new version, which `LatestVersionNumber`
   * names; its Ref is its id, `lt-` and 17 hex digits
   * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-launchtemplate.html).
   */
  private launchTemplateVersion(request: ResourceRequest): ResourceAnswer {
    if (request.requestType === 'Delete') {
      if (request.physicalId) this.launchTemplates.delete(request.physicalId);
      return {};
    }
    const id =
      request.requestType === 'Update' && request.physicalId
        ? request.physicalId
        : `lt-${(++this.launchTemplateIds).toString(16).padStart(17, '0')}`;
    const versions = this.launchTemplates.get(id) ?? [];
    versions.push(structuredClone(request.properties.LaunchTemplateData ?? {}) as Record<string, unknown>);
    this.launchTemplates.set(id, versions);
    return { physicalId: id, attributes: { LatestVersionNumber: String(versions.length), DefaultVersionNumber: '1' } };
  }

  /**
   * The node's launch template, its version, and that version's data, as
   * `aws ec2 describe-launch-template-versions` would show it; undefined if the node group names none.
   */
  nodeLaunchTemplateVersion(): { id: string; version: number; data: Record<string, unknown> } | undefined {
    if (!this.nodeLaunchTemplate) return undefined;
    const { id, version } = this.nodeLaunchTemplate;
    const data = this.launchTemplates.get(id)?.[version - 1];
    if (!data) throw new Error(`The node was launched from ${id} version ${version}, which the replay does not hold`);
    return { id, version, data: structuredClone(data) };
  }

  private association(request: ResourceRequest): ResourceAnswer {
    const props = request.properties;
    if (request.requestType === 'Create') {
      const id = this.cluster.createPodIdentityAssociation({
        namespace: String(props.Namespace),
        serviceAccount: String(props.ServiceAccount),
        roleArn: String(props.RoleArn),
      });
      // Ref and AssociationArn are the association's ARN (aws-resource-eks-podidentityassociation.html).
      const arn = `arn:aws:eks:${LAB_CLUSTER.region}:${this.account}:podidentityassociation/${props.ClusterName}/${id}`;
      this.associations.set(arn, id);
      return { physicalId: arn, attributes: { AssociationArn: arn, AssociationId: id } };
    }
    if (request.requestType === 'Delete') {
      if (request.physicalId && this.associations.has(request.physicalId)) {
        this.cluster.deletePodIdentityAssociation(this.associations.get(request.physicalId)!);
        this.associations.delete(request.physicalId);
      }
      return {};
    }
    throw new Error(`The replay does not model an in-place update of ${request.logicalId} (UpdatePodIdentityAssociation)`);
  }

  private applyManifest(request: ResourceRequest): void {
    const objects = JSON.parse(String(request.properties.Manifest)) as KubeObject[];
    const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (request.requestType === 'Delete') {
      // `kubectl delete -f`: in reverse, so a namespace goes after what it holds.
      for (const object of [...objects].reverse()) this.deleteObject(object);
      return;
    }
    if (request.requestType === 'Update') {
      // `--prune -l <PruneLabel>`: objects of the old manifest that the new one no longer has go.
      const kept = new Set(objects.map(key));
      const old = JSON.parse(String(request.oldProperties?.Manifest ?? '[]')) as KubeObject[];
      for (const object of old.filter((o) => !kept.has(key(o))).reverse()) this.deleteObject(object);
    }
    for (const object of objects) this.applyObject(object);
  }

  private applyObject(object: KubeObject): void {
    const { kind, metadata } = object;
    if (kind === 'Namespace') this.cluster.createNamespace(metadata.name);
    else if (kind === 'ServiceAccount') this.cluster.applyServiceAccount(metadata.namespace, metadata.name, metadata.annotations ?? {});
    else if (kind === 'Secret') this.unmodelledObjects.set(`${metadata.namespace}/${metadata.name}`, object);
    else throw new Error(`The replay does not apply ${kind} ${metadata.name}`);
    // kubectl apply is one request to the API server.
    this.cluster.tick();
  }

  private deleteObject(object: KubeObject): void {
    const { kind, metadata } = object;
    if (kind === 'Namespace') this.cluster.deleteNamespace(metadata.name);
    else if (kind === 'ServiceAccount') this.cluster.deleteServiceAccount(metadata.namespace, metadata.name);
    else if (kind === 'Secret') this.unmodelledObjects.delete(`${metadata.namespace}/${metadata.name}`);
    else throw new Error(`The replay does not delete ${kind} ${metadata.name}`);
    this.cluster.tick();
  }

  private objectValue(request: ResourceRequest): ResourceAnswer {
    const props = request.properties;
    if (request.requestType === 'Delete') return {};
    if (props.ObjectType !== 'serviceaccount' || props.JsonPath !== '.metadata.uid') {
      throw new Error(`The replay does not read ${props.ObjectType} ${props.JsonPath}`);
    }
    const attempts = Math.ceil(Number(props.TimeoutSeconds) / 10);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // Each attempt is one GET; between attempts the handler sleeps 10 s.
      this.cluster.tick();
      const found = this.cluster.get('serviceaccounts', String(props.ObjectNamespace), String(props.ObjectName));
      if (found) return { attributes: { Value: found.metadata.uid } };
    }
    throw new Error(`Timeout waiting for output from kubectl command: get -n ${props.ObjectNamespace} serviceaccount ${props.ObjectName}`);
  }

  private async deliver(request: ResourceRequest, module: 'lab_pods'): Promise<ResourceAnswer> {
    // The provider framework answers a failed Create with a marker physical id and ignores the
    // Delete that follows it (aws-cdk-lib `custom-resources/lib/provider-framework/runtime/cfn-response.js`,
    // CREATE_FAILED_PHYSICAL_ID_MARKER): the handler never sees that Delete.
    if (request.afterFailedCreate) return {};
    const invocation = await invokeHandler(this.tools, this.api.url, module, customResourceEvent(request));
    this.handlerRuns.push({
      stackName: request.stackName,
      logicalId: request.logicalId,
      requestType: request.requestType,
      rollback: request.rollback,
      invocation,
    });
    this.peakSlots = Math.max(this.peakSlots, this.cluster.slotsInUse());
    if (invocation.waitedSeconds > LAMBDA_TIMEOUT_SECONDS) {
      throw new Error(
        `Task timed out after ${LAMBDA_TIMEOUT_SECONDS}.00 seconds (${request.logicalId} waited ${invocation.waitedSeconds}s)`,
      );
    }
    if (invocation.error) throw new Error(invocation.error);
    return { physicalId: String(invocation.result?.PhysicalResourceId) };
  }
}

/**
 * The event CloudFormation sends a custom resource
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requests.html). It turns
 * every number and boolean of the properties into a string on the way
 * (aws-cloudformation/cloudformation-coverage-roadmap#1037).
 */
export function customResourceEvent(request: ResourceRequest): Record<string, unknown> {
  return {
    RequestType: request.requestType,
    RequestId: `${request.stackName}-${request.logicalId}-${request.requestType}`,
    ResponseURL: 'https://cloudformation-custom-resource-response.invalid/replay',
    ResourceType: request.type,
    LogicalResourceId: request.logicalId,
    StackId: `arn:aws:cloudformation:${LAB_CLUSTER.region}:123456789012:stack/${request.stackName}/replay`,
    ...(request.physicalId !== undefined && { PhysicalResourceId: request.physicalId }),
    ResourceProperties: stringified(request.properties),
    ...(request.oldProperties && { OldResourceProperties: stringified(request.oldProperties) }),
  };
}

function stringified(value: unknown): any {
  if (Array.isArray(value)) return value.map(stringified);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stringified(v)]));
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** A node group's `LaunchTemplate` property: the template's id and the version it launches nodes from. */
function launchTemplateSpecOf(spec: unknown): { id: string; version: number } | undefined {
  const { Id, Version } = (spec ?? {}) as { Id?: unknown; Version?: unknown };
  return Id === undefined ? undefined : { id: String(Id), version: Number(Version) };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A container that runs `sleep` keeps running until the pod is deleted. */
export function runsUntilStopped(pod: KubeObject): boolean {
  return (pod.spec?.containers ?? []).some((c: KubeObject) => (c.command ?? [])[0] === 'sleep');
}

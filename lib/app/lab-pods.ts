import { CustomResource, Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { LAB_CLUSTER } from '../cluster-contract';
import { LAB_PODS_RESOURCE_TYPE } from '../lab-names';
import { SERVICE_TIMEOUT, addClusterHandler } from './private/cluster-handler';

/** The properties of a `Custom::LabPods` resource. The provider framework logs them: they hold no secret. */
export enum LabPodsProperty {
  CLUSTER_NAME = 'ClusterName',
  NAMESPACE = 'Namespace',
  /** The pods, as a JSON array, in the same form as a `KubernetesManifest`'s `Manifest`. */
  MANIFEST = 'Manifest',
  /**
   * The settings the pods run under; when one changes, CloudFormation sends the resource an Update
   * (it does so only when a property changes,
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html)
   * and the pods run again.
   */
  RUN_WITH = 'RunWith',
  /** The pods that run once and end: created one at a time, each awaited. */
  RUN_ONCE = 'RunOnce',
  WAIT_FOR_INJECTION = 'WaitForInjection',
}

/** The environment variables the EKS pod-identity webhook injects, by credential mode. */
export enum InjectedVariable {
  /** IRSA: the role to assume with the projected token. */
  ROLE_ARN = 'AWS_ROLE_ARN',
  /** EKS Pod Identity: the node agent's credentials endpoint. */
  CONTAINER_CREDENTIALS_FULL_URI = 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
}

/**
 * What must be in effect before a scenario's pods are created, and how the handler proves it:
 * a server-side dry run of the first pod that runs as `serviceAccount` comes back from the
 * mutating webhooks carrying `variable`.
 *
 * The webhook mutates a pod only on CREATE (`deploy/mutatingwebhook.yaml` in
 * amazon-eks-pod-identity-webhook: `operations: ["CREATE"]`, `sideEffects: None`, so dry runs
 * reach it too). What it injects is eventually consistent on both paths:
 * - `CreatePodIdentityAssociation` "may take several seconds to be effective" (EKS API reference);
 * - an IRSA annotation reaches the webhook through its service-account informer, and a pod it
 *   admits before the cache has synced is left alone (`pkg/cache/cache.go`).
 */
export class InjectionGate {
  /** Waits until an EKS Pod Identity association injects container credentials. */
  static podIdentity(props: { serviceAccount: string; namespace: string; associationArn: string }): InjectionGate {
    return new InjectionGate(
      props.serviceAccount,
      InjectedVariable.CONTAINER_CREDENTIALS_FULL_URI,
      `EKS Pod Identity association ${props.associationArn}`,
      `aws eks list-pod-identity-associations --cluster-name ${LAB_CLUSTER.name} --namespace ${props.namespace}`,
    );
  }

  /** Waits until the webhook sees the IRSA role annotation on the service account. */
  static irsa(props: { serviceAccount: string; namespace: string; annotation: string }): InjectionGate {
    return new InjectionGate(
      props.serviceAccount,
      InjectedVariable.ROLE_ARN,
      `The ${props.annotation} annotation on service account ${props.namespace}/${props.serviceAccount}`,
      `kubectl -n ${props.namespace} get serviceaccount ${props.serviceAccount} -o yaml`,
    );
  }

  private constructor(
    /** The service account whose pods must be injected. */
    readonly serviceAccount: string,
    /** The variable that proves it. */
    readonly variable: InjectedVariable,
    /** What must be in effect, as the failure names it. */
    readonly source: string,
    /** The command that shows whether it exists. */
    readonly check: string,
    /** How long to wait before the deploy fails. */
    readonly timeout: Duration = Duration.minutes(2),
  ) {}
}

export interface LabPodsProps {
  /** The cluster to create the pods on. */
  readonly cluster: eks.ICluster;
  /** The namespace of every pod. */
  readonly namespace: string;
  /** The pods, as Kubernetes objects. */
  readonly pods: Record<string, unknown>[];
  /**
   * The names of the pods that run once and end, like `aws s3 ls`. They are created one at a
   * time after the others, each once the previous one has finished, so a scenario holds at most
   * one of the node's pod slots for them.
   */
  readonly runOnce: string[];
  /**
   * The settings the pods must run under. When one changes, the pods are deleted and created
   * again, so each `restartPolicy: Never` pod runs under the new setting.
   */
  readonly runWith: Record<string, string>;
  /**
   * What must be in effect before the pods are created.
   * @default - the pods are created at once
   */
  readonly waitFor?: InjectionGate;
}

/**
 * A scenario's pods, created by a custom resource rather than applied by the kubectl provider.
 *
 * `kubectl apply` of an unchanged manifest leaves a finished pod finished, and a node replaced
 * by a new launch-template version takes bare pods with it for good: "all nodes in the group are
 * recycled" (EKS user guide, launch-templates). So every Create and Update of this resource
 * deletes the pods and creates them anew, and `runWith` makes a toggle change an Update.
 */
export class LabPods extends Construct {
  /** The custom resource. Make it depend on everything the pods need. */
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: LabPodsProps) {
    super(scope, id);
    const provider = LabPodsProvider.of(Stack.of(this), props.cluster);
    provider.allowNamespace(props.namespace);
    const waitFor = props.waitFor;

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: LAB_PODS_RESOURCE_TYPE,
      properties: {
        [LabPodsProperty.CLUSTER_NAME]: props.cluster.clusterName,
        [LabPodsProperty.NAMESPACE]: props.namespace,
        [LabPodsProperty.MANIFEST]: Stack.of(this).toJsonString(props.pods),
        [LabPodsProperty.RUN_WITH]: props.runWith,
        [LabPodsProperty.RUN_ONCE]: props.runOnce,
        ...(waitFor && {
          [LabPodsProperty.WAIT_FOR_INJECTION]: {
            ServiceAccount: waitFor.serviceAccount,
            EnvVar: waitFor.variable,
            Source: waitFor.source,
            Check: waitFor.check,
            TimeoutSeconds: waitFor.timeout.toSeconds(),
          },
        }),
      },
      removalPolicy: RemovalPolicy.DESTROY,
      // A stuck handler fails the deploy in minutes, not after CloudFormation's default hour.
      serviceTimeout: SERVICE_TIMEOUT,
    });
    // Created only once the function may reach the cluster; deleted while it still may.
    this.resource.node.addDependency(provider.accessEntry);
    provider.runAfterEarlierPods(this.resource);
  }
}

/*
 * The longest a deploy can wait on one resource, from the handlers' deadlines (lab_pods.py, kube.py)
 * and checked against every synthesized resource by test/lab-pods.test.ts:
 *
 * | resource                                | login + gate + delete + create + run-once × (create + finish) | worst |
 * |-----------------------------------------|----------------------------------------------------------------|-------|
 * | LabPods, no gate, one `s3 ls` pod       | 60 + 0 + 120 + 60 + 1 × 180                                    | 420 s |
 * | LabPods, gated, one `s3 ls` pod         | 60 + 120 + 120 + 60 + 1 × 180                                  | 540 s |
 * | LabPods, gated, two probes (advanced)   | 60 + 120 + 120 + 60 + 2 × 180                                  | 720 s |
 * | SecretWriter: login, 6 attempts + 5 pauses of 10 s | 60 + 6 × 60 + 50                                    | 470 s |
 *
 * The handler's function stops at 840 s, the provider framework's at 900 s (Lambda's longest), and
 * CloudFormation at `ServiceTimeout` 900 s instead of its default 3600 s.
 */

/** The one pods handler of a stack, shared by its scenarios. */
class LabPodsProvider extends Construct {
  static of(stack: Stack, cluster: eks.ICluster): LabPodsProvider {
    const existing = stack.node.tryFindChild('LabPodsProvider');
    return existing instanceof LabPodsProvider ? existing : new LabPodsProvider(stack, 'LabPodsProvider', cluster);
  }

  readonly serviceToken: string;
  readonly accessEntry: eks.AccessEntry;
  private readonly namespaces: string[] = [];
  private lastPods?: CustomResource;

  private constructor(scope: Construct, id: string, cluster: eks.ICluster) {
    super(scope, id);
    const handler = addClusterHandler(this, {
      cluster,
      entryPoint: 'lab_pods.on_event',
      purpose: `Creates the lab's pods in ${Stack.of(this).stackName} and runs them again when a toggle changes`,
      namespaces: Lazy.list({ produce: () => this.namespaces }),
      logRetention: logs.RetentionDays.ONE_DAY,
    });
    this.serviceToken = handler.serviceToken;
    this.accessEntry = handler.accessEntry;
  }

  allowNamespace(namespace: string): void {
    if (!this.namespaces.includes(namespace)) this.namespaces.push(namespace);
  }

  /** One stack's pod resources run one after another, so their run-once pods never overlap. */
  runAfterEarlierPods(pods: CustomResource): void {
    if (this.lastPods) pods.node.addDependency(this.lastPods);
    this.lastPods = pods;
  }
}

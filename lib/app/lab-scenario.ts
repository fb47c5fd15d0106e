import { Stack, StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, IDependable } from 'constructs';
import type { IEnvVar } from 'kubernetes-models/v1';
import { IdentityChart } from './charts/identity-chart';
import { LegacyTokenChart } from './charts/legacy-token-chart';
import { ProbeChart } from './charts/probe-chart';
import { WorkloadChart } from './charts/workload-chart';
import { Drill } from '../lab-config';
import { DRILL_METADATA_KEY } from '../lab-names';
import { InjectionGate, LabPods } from './lab-pods';
import { LabToggles, Scenario } from '../scenarios';

/** What every scenario stack needs besides its environment. */
export interface ScenarioStackProps extends StackProps {
  /** The AWS CLI image the scenario's pods run; its SDK must support every credential mode shown. */
  readonly image: string;
  /** The toggles deployed with it: when one changes, the scenario's pods run again. */
  readonly toggles: LabToggles;
  /**
   * The drill deployed with the lab. A stack applies it only if it belongs to one of its scenarios.
   * @default - no drill
   */
  readonly drill?: Drill;
}

export interface LabScenarioProps {
  /** The cluster to apply the manifests to. */
  readonly cluster: eks.ICluster;
  /** Names of the namespace, service account and pods. */
  readonly scenario: Scenario;
  /** The AWS CLI image the pods run. */
  readonly image: string;
  /** The toggles the pods run under. */
  readonly toggles: LabToggles;
  /**
   * Whether to create the scenario's service account, rather than use `default`.
   * @default false
   */
  readonly createServiceAccount?: boolean;
  /**
   * Annotations on the scenario's service account.
   * @default - none
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
  /**
   * Name of a legacy service-account token Secret to request for the `default` service account.
   * @default - none
   */
  readonly legacyTokenSecret?: string;
  /**
   * Environment for the pods' containers.
   * @default - none
   */
  readonly env?: IEnvVar[];
  /**
   * What must be in effect before the pods are created.
   * @default - the pods are created as soon as their namespace and service account exist
   */
  readonly waitFor?: InjectionGate;
  /**
   * Another scenario of the same stack whose namespace and service account these pods use.
   * @default - the scenario applies its own namespace and identity
   */
  readonly sharesIdentityWith?: LabScenario;
  /**
   * The drill this scenario is deployed with: its pods run again when it changes, and the
   * stack's template metadata records it.
   * @default - no drill: the scenario is deployed as it should be
   */
  readonly drill?: Drill;
  /**
   * The lab bucket's name, for a scenario whose probes read an object.
   * @default - the scenario's pods read no object
   */
  readonly bucketName?: string;
}

/**
 * One scenario's Kubernetes side, in order: the namespace and identity, then the pods.
 * The pod-identity webhook only mutates a pod when it is created, so everything a pod
 * needs must exist before it.
 */
export class LabScenario extends Construct {
  /** The namespace and service account. */
  readonly identity: eks.KubernetesManifest;
  /** The pods. */
  readonly pods: LabPods;

  constructor(scope: Construct, id: string, props: LabScenarioProps) {
    super(scope, id);
    const { scenario } = props;
    // Each scenario synthesizes its charts in its own cdk8s app.
    const app = new cdk8s.App();

    const identityChart = new IdentityChart(app, `${scenario.id}-identity`, {
      namespace: scenario.namespace,
      serviceAccount: props.createServiceAccount ? scenario.serviceAccount : undefined,
      serviceAccountAnnotations: props.serviceAccountAnnotations,
    });
    // A scenario with probes runs each of them once; the others run `s3 ls` once and sleep.
    const workloadChart = scenario.probes
      ? new ProbeChart(app, `${scenario.id}-pods`, {
          namespace: scenario.namespace,
          image: props.image,
          serviceAccount: scenario.serviceAccount,
          probes: scenario.probes,
          bucketName: props.bucketName,
        })
      : new WorkloadChart(app, `${scenario.id}-pods`, {
          namespace: scenario.namespace,
          image: props.image,
          s3LsPod: scenario.s3LsPod,
          sleepPod: scenario.sleepPod,
          serviceAccount: scenario.serviceAccount,
          env: props.env,
        });

    this.identity =
      props.sharesIdentityWith?.identity ??
      new eks.KubernetesManifest(this, 'Identity', {
        cluster: props.cluster,
        manifest: identityChart.toJson(),
      });
    if (props.legacyTokenSecret) this.requestLegacyToken(props, props.legacyTokenSecret, app);

    this.pods = new LabPods(this, 'Pods', {
      cluster: props.cluster,
      namespace: scenario.namespace,
      pods: workloadChart.toJson(),
      runOnce: scenario.probes ? scenario.probes.map((probe) => probe.pod) : [scenario.s3LsPod],
      runWith: {
        imds: props.toggles.imds,
        nodeRoleS3Access: String(props.toggles.nodeRoleS3Access),
        // Switching drills runs the pods again; without one the properties stay as they were.
        ...(props.drill !== undefined && { drill: props.drill }),
      },
      waitFor: props.waitFor,
    });
    this.pods.node.addDependency(this.identity);
    if (props.drill !== undefined) {
      const stack = Stack.of(this);
      stack.templateOptions.metadata = { ...stack.templateOptions.metadata, [DRILL_METADATA_KEY]: props.drill };
    }
  }

  /** Creates the pods only after these exist, e.g. the role or association they use. */
  podsDependOn(...dependencies: IDependable[]): void {
    this.pods.node.addDependency(...dependencies);
  }

  /**
   * The tokens controller deletes a token Secret whose service account does not exist yet
   * (kubernetes `pkg/controller/serviceaccount/tokens_controller.go`), and the `default`
   * service account appears a moment after its namespace, created by another controller. So
   * the Secret is applied only once the API server returns that service account's uid.
   */
  private requestLegacyToken(props: LabScenarioProps, secretName: string, app: cdk8s.App): void {
    const { scenario } = props;
    const defaultServiceAccount = new eks.KubernetesObjectValue(this, 'DefaultServiceAccount', {
      cluster: props.cluster,
      objectType: 'serviceaccount',
      objectName: 'default',
      objectNamespace: scenario.namespace,
      // The kubectl provider's get handler retries a NotFound every 10 s until this timeout.
      jsonPath: '.metadata.uid',
    });
    defaultServiceAccount.node.addDependency(this.identity);

    const tokenChart = new LegacyTokenChart(app, `${scenario.id}-legacy-token`, {
      namespace: scenario.namespace,
      secretName,
    });
    const legacyToken = new eks.KubernetesManifest(this, 'LegacyToken', {
      cluster: props.cluster,
      manifest: tokenChart.toJson(),
    });
    legacyToken.node.addDependency(defaultServiceAccount);
  }
}

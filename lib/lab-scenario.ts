import { StackProps } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as cdk8s from 'cdk8s';
import { Construct, IDependable } from 'constructs';
import { IEnvVar } from 'kubernetes-models/v1';
import { IdentityChart } from './charts/identity-chart';
import { WorkloadChart } from './charts/workload-chart';
import { Scenario } from './scenarios';

/** What every scenario stack needs besides its environment. */
export interface ScenarioStackProps extends StackProps {
  /** The `amazon/aws-cli` image the scenario's pods run; its SDK must support every credential mode shown. */
  readonly image: string;
}

export interface LabScenarioProps {
  /** The cluster to apply the manifests to. */
  readonly cluster: eks.ICluster;
  /** Names of the namespace, service account and pods. */
  readonly scenario: Scenario;
  /** The `amazon/aws-cli` image the pods run. */
  readonly image: string;
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
   * Name of a legacy service-account token Secret to request.
   * @default - none
   */
  readonly legacyTokenSecret?: string;
  /**
   * Environment for the pods' containers.
   * @default - none
   */
  readonly env?: IEnvVar[];
}

/**
 * One scenario's Kubernetes side, applied in two steps: first the namespace and
 * identity, then the pods. The pod-identity webhook only mutates a pod when it
 * is created, so everything a pod needs must exist before it.
 */
export class LabScenario extends Construct {
  /** The namespace and service account. */
  readonly identity: eks.KubernetesManifest;
  /** The pods. */
  readonly pods: eks.KubernetesManifest;

  constructor(scope: Construct, id: string, props: LabScenarioProps) {
    super(scope, id);
    const { scenario } = props;
    // Each scenario synthesizes its charts in its own cdk8s app.
    const app = new cdk8s.App();

    const identityChart = new IdentityChart(app, `${scenario.id}-identity`, {
      namespace: scenario.namespace,
      serviceAccount: props.createServiceAccount ? scenario.serviceAccount : undefined,
      serviceAccountAnnotations: props.serviceAccountAnnotations,
      legacyTokenSecret: props.legacyTokenSecret,
    });
    const workloadChart = new WorkloadChart(app, `${scenario.id}-pods`, {
      namespace: scenario.namespace,
      image: props.image,
      s3LsPod: scenario.s3LsPod,
      sleepPod: scenario.sleepPod,
      serviceAccount: scenario.serviceAccount,
      env: props.env,
    });

    this.identity = new eks.KubernetesManifest(this, 'Identity', {
      cluster: props.cluster,
      manifest: identityChart.toJson(),
    });
    this.pods = new eks.KubernetesManifest(this, 'Pods', {
      cluster: props.cluster,
      manifest: workloadChart.toJson(),
    });
    this.pods.node.addDependency(this.identity);
  }

  /** Creates the pods only after these exist, e.g. the role or association they use. */
  podsDependOn(...dependencies: IDependable[]): void {
    this.pods.node.addDependency(...dependencies);
  }
}

import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer, IEnvVar } from 'kubernetes-models/v1';
import { Pod } from 'kubernetes-models/v1/Pod';

export interface WorkloadChartProps {
  readonly namespace: string;
  /** The `amazon/aws-cli` image, pinned to a tag. */
  readonly image: string;
  /** The pod that runs `aws s3 ls` once and ends. */
  readonly s3LsPod: string;
  /**
   * A pod that sleeps, with the same identity, to exec into.
   * @default - no sleep pod
   */
  readonly sleepPod?: string;
  /**
   * The service account both pods run as.
   * @default 'default'
   */
  readonly serviceAccount?: string;
  /**
   * Environment for both pods' containers.
   * @default - none: the SDK walks its credential chain from scratch
   */
  readonly env?: IEnvVar[];
}

/** The container both lab pods share: small requests, no privilege. */
export function awsCliContainer(image: string, overrides: Partial<IContainer>): IContainer {
  return {
    name: 'aws-cli',
    image,
    // Small requests: at most six lab pods run at once beside the system pods on one t4g.small (2 GiB).
    resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    ...overrides,
  };
}

/** A scenario's pods: `aws s3 ls` once, and a sleeper to inspect. */
export class WorkloadChart extends Chart {
  constructor(scope: Construct, id: string, props: WorkloadChartProps) {
    super(scope, id);
    const serviceAccountName = props.serviceAccount ?? 'default';

    new ApiObject(
      this,
      'S3LsPod',
      new Pod({
        metadata: { name: props.s3LsPod, namespace: props.namespace },
        spec: {
          serviceAccountName,
          // A finished pod stays put with its phase and log, as in the post.
          restartPolicy: 'Never',
          containers: [awsCliContainer(props.image, { args: ['s3', 'ls'], env: props.env })],
        },
      }),
    );

    if (props.sleepPod) {
      new ApiObject(
        this,
        'SleepPod',
        new Pod({
          metadata: { name: props.sleepPod, namespace: props.namespace },
          spec: {
            serviceAccountName,
            restartPolicy: 'Never',
            containers: [awsCliContainer(props.image, { command: ['sleep', 'infinity'], env: props.env })],
          },
        }),
      );
    }
  }
}

import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Probe } from '../../scenarios';
import { awsCliContainer } from './workload-chart';

export interface ProbeChartProps {
  readonly namespace: string;
  /** The `amazon/aws-cli` image, pinned to a tag. */
  readonly image: string;
  /** The service account every pod runs as. */
  readonly serviceAccount: string;
  /** The pods, each running one AWS CLI command once. */
  readonly probes: readonly Probe[];
  /**
   * The lab bucket's name, for commands that read an object.
   * @default - no command may read an object
   */
  readonly bucketName?: string;
}

/** Pods of the post's shape that each ask AWS one thing once: the AWS CLI image, `restartPolicy: Never`. */
export class ProbeChart extends Chart {
  constructor(scope: Construct, id: string, props: ProbeChartProps) {
    super(scope, id);
    for (const probe of props.probes) {
      new ApiObject(
        this,
        probe.pod,
        new Pod({
          metadata: { name: probe.pod, namespace: props.namespace },
          spec: {
            serviceAccountName: props.serviceAccount,
            // A finished pod stays put with its phase and log, as in the post.
            restartPolicy: 'Never',
            containers: [awsCliContainer(props.image, { args: probe.command.args(props.bucketName) })],
          },
        }),
      );
    }
  }
}

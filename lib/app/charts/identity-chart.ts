import { ApiObject, Chart } from 'cdk8s';
// One module per kind: the package's v1 index loads every core kind and its validator.
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Construct } from 'constructs';

export interface IdentityChartProps {
  /** The scenario's namespace. */
  readonly namespace: string;
  /**
   * A service account to create.
   * @default - the pods run as the namespace's `default` service account
   */
  readonly serviceAccount?: string;
  /**
   * Annotations on that service account.
   * @default - none: the webhook leaves the pods alone
   * @see https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
   */
  readonly serviceAccountAnnotations?: Record<string, string>;
}

/** What must exist before a scenario's pods: its namespace and the identity they run as. */
export class IdentityChart extends Chart {
  constructor(scope: Construct, id: string, props: IdentityChartProps) {
    super(scope, id);
    const ns = new ApiObject(this, 'Namespace', new Namespace({ metadata: { name: props.namespace } }));

    if (props.serviceAccount) {
      const sa = new ApiObject(
        this,
        'ServiceAccount',
        new ServiceAccount({
          metadata: {
            name: props.serviceAccount,
            namespace: props.namespace,
            annotations: props.serviceAccountAnnotations,
          },
        }),
      );
      sa.addDependency(ns);
    }
  }
}

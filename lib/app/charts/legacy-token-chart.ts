import { ApiObject, Chart } from 'cdk8s';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Construct } from 'constructs';

export interface LegacyTokenChartProps {
  /** The namespace of the Secret and of its service account. */
  readonly namespace: string;
  /** The Secret's name. */
  readonly secretName: string;
  /**
   * The service account the token is for. It must exist before the Secret does.
   * @default 'default'
   */
  readonly serviceAccount?: string;
}

/**
 * A legacy service-account token Secret. Since Kubernetes 1.24 these are only created on
 * request, as here; the tokens controller fills it with a token that never expires, issued by
 * `kubernetes/serviceaccount`.
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#serviceaccount-token-secrets
 */
export class LegacyTokenChart extends Chart {
  constructor(scope: Construct, id: string, props: LegacyTokenChartProps) {
    super(scope, id);
    new ApiObject(
      this,
      'LegacyToken',
      new Secret({
        metadata: {
          name: props.secretName,
          namespace: props.namespace,
          annotations: { 'kubernetes.io/service-account.name': props.serviceAccount ?? 'default' },
        },
        type: 'kubernetes.io/service-account-token',
      }),
    );
  }
}

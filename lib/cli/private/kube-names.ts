/**
 * Environment names the AWS SDKs and the EKS webhooks use, and the pod shape
 * the checks read. Names the stacks share with the CLI are in lib/lab-names.ts.
 */

/** Static keys that win over every role-based provider in the SDK credential chain. */
export const STATIC_KEY_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];

/** What the pod-identity webhook injects for IRSA. */
export const IRSA_INJECTED_ENV = ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'];

/** What the Pod Identity webhook injects. */
export const POD_IDENTITY_INJECTED_ENV = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'];

/** A container as the lab's manifests and the API server describe it. */
export interface ContainerSpec {
  readonly name?: string;
  readonly env?: readonly { readonly name: string; readonly value?: string; readonly valueFrom?: unknown }[];
  readonly envFrom?: readonly unknown[];
}

/** A pod spec, as far as the checks read it. */
export interface PodSpec {
  readonly serviceAccountName?: string;
  readonly containers?: readonly ContainerSpec[];
}

/** The env var names a pod's containers set. */
export function envNames(spec: PodSpec | undefined): string[] {
  return (spec?.containers ?? []).flatMap((container) => (container.env ?? []).map((env) => env.name));
}

/**
 * Names that the lab's manifests, the EKS webhooks and the CLI agree on. Kept
 * here rather than imported from the charts, so the CLI starts without cdk8s.
 */

/** The service-account annotation the pod-identity webhook reads (`IRSA_ROLE_ANNOTATION` in the identity chart). */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** The audience STS requires in a web identity token, and the OIDC provider's client id. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** The service principal a Pod Identity role must trust. */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

/** The EKS add-on that runs the Pod Identity agent on every node. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/** IMDS hop limit per mode (`IMDS_HOP_LIMIT` in the cluster stack): each container network namespace adds a hop. */
export const EXPECTED_HOP_LIMIT = { open: 2, locked: 1 } as const;

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

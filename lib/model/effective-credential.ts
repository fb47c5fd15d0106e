import { Association, ClusterModel, MetadataOptions, Pod, ServiceAccount, keyOf } from './cluster-model';

/** How a pod gets AWS credentials. */
export enum Mechanism {
  STATIC_KEYS = 'static keys in env',
  IRSA = 'IRSA',
  POD_IDENTITY = 'EKS Pod Identity',
  IMDS = 'IMDS (node role)',
  NONE = 'none',
}

/** What one pod gets, with what decides it. */
export interface EffectiveCredential {
  readonly mechanism: Mechanism;
  /** The role, where the pod's env names it (IRSA). */
  readonly roleArn?: string;
  /** For IMDS: the node's settings, if known. */
  readonly imds?: MetadataOptions;
  readonly detail: string;
}

const envOfPod = (pod: Pod) => pod.containers.flatMap((container) => container.env);
const hasEnv = (pod: Pod, name: string) => envOfPod(pod).some((env) => env.name === name);

/** Secrets whose keys become env vars by `envFrom` and hold an access key id under that name. */
function keysFromEnvFrom(model: ClusterModel, pod: Pod): boolean {
  const names = new Set(pod.containers.flatMap((container) => container.envFromSecrets));
  return model.secrets.some(
    (secret) => secret.namespace === pod.namespace && names.has(secret.name) && secret.accessKeyKeys.includes('AWS_ACCESS_KEY_ID'),
  );
}

/** Whether a pod's env carries static keys: the env provider needs both the id and the secret. */
export function hasStaticKeys(model: ClusterModel, pod: Pod): boolean {
  return (hasEnv(pod, 'AWS_ACCESS_KEY_ID') && hasEnv(pod, 'AWS_SECRET_ACCESS_KEY')) || keysFromEnvFrom(model, pod);
}

/**
 * Whether a pod on a node with these settings reaches IMDS. The hop limit applies to the IMDSv2
 * token PUT alone; with HttpTokens optional the SDK falls back to an IMDSv1 GET, which no hop
 * limit stops (EC2 User Guide, instancedata-data-retrieval.html). A pod on the host network is
 * one hop away.
 * @returns undefined when the node's settings are unknown
 */
export function reachesImds(pod: Pod, options: MetadataOptions | undefined): boolean | undefined {
  if (!options) return undefined;
  if (options.httpTokens !== 'required') return true;
  return pod.hostNetwork || (options.hopLimit ?? 1) >= 2;
}

/**
 * The credential a pod really gets: the first provider of the SDK chain that finds something.
 * botocore's order (botocore/credentials.py, `create_credential_resolver`): environment keys,
 * then web identity (IRSA), then container credentials (Pod Identity), then IMDS.
 */
export function effectiveCredential(model: ClusterModel, pod: Pod): EffectiveCredential {
  if (hasStaticKeys(model, pod)) return { mechanism: Mechanism.STATIC_KEYS, detail: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in env' };
  if (hasEnv(pod, 'AWS_ROLE_ARN') && hasEnv(pod, 'AWS_WEB_IDENTITY_TOKEN_FILE')) {
    const roleArn = envOfPod(pod).find((env) => env.name === 'AWS_ROLE_ARN')?.value;
    return { mechanism: Mechanism.IRSA, roleArn, detail: `web identity for ${roleArn ?? 'the role in AWS_ROLE_ARN'}` };
  }
  if (hasEnv(pod, 'AWS_CONTAINER_CREDENTIALS_FULL_URI')) {
    return { mechanism: Mechanism.POD_IDENTITY, detail: 'container credentials from the Pod Identity agent' };
  }
  const node = model.nodes.find((candidate) => candidate.name === pod.nodeName);
  const reach = reachesImds(pod, node?.metadata);
  if (reach === false) {
    return { mechanism: Mechanism.NONE, imds: node?.metadata, detail: `nothing: IMDS on ${pod.nodeName} requires tokens with hop limit 1` };
  }
  return {
    mechanism: Mechanism.IMDS,
    imds: node?.metadata,
    detail:
      reach === undefined
        ? `the node role through IMDS, unless ${pod.nodeName ?? 'its node'} blocks it (its IMDS settings are not verifiable)`
        : `the node role through IMDS: ${pod.nodeName} has HttpTokens ${node?.metadata?.httpTokens ?? 'unset'}, hop limit ${node?.metadata?.hopLimit ?? 'unset'}`,
  };
}

/** What a service account is configured for now. */
export interface Configured {
  readonly mechanism: Mechanism.POD_IDENTITY | Mechanism.IRSA | Mechanism.NONE;
  readonly associations: readonly Association[];
  readonly roleArn?: string;
}

/** The associations that name a service account. */
export function associationsOf(model: ClusterModel, namespace: string, name: string): Association[] {
  return model.associations.filter((a) => a.namespace === namespace && a.serviceAccount === name);
}

/**
 * What the webhook would inject into a pod created now. Pod Identity takes precedence over the
 * IRSA annotation (amazon-eks-pod-identity-webhook `pkg/handler/handler.go`).
 */
export function configuredFor(model: ClusterModel, account: ServiceAccount | undefined, pod: Pod): Configured {
  const associations = associationsOf(model, pod.namespace, pod.serviceAccount);
  if (associations.length > 0) return { mechanism: Mechanism.POD_IDENTITY, associations, roleArn: associations[0].roleArn };
  if (account?.roleArn) return { mechanism: Mechanism.IRSA, associations, roleArn: account.roleArn };
  return { mechanism: Mechanism.NONE, associations };
}

/** The service account object of a pod, if the model has it. */
export function accountOfPod(model: ClusterModel, pod: Pod): ServiceAccount | undefined {
  const key = `${pod.namespace}/${pod.serviceAccount}`;
  return model.serviceAccounts.find((account) => keyOf(account) === key);
}

import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { AuditClients } from '../../sources/live';

const LISTS: Record<string, (api: CoreV1Api) => Promise<unknown>> = {
  '/api/v1/serviceaccounts': (api) => api.listServiceAccountForAllNamespaces(),
  '/api/v1/pods': (api) => api.listPodForAllNamespaces(),
  '/api/v1/nodes': (api) => api.listNode(),
  '/api/v1/secrets': (api) => api.listSecretForAllNamespaces(),
};

/**
 * The caller's own AWS credentials (the SDK's default chain) in the given region, and the current
 * kubeconfig context: `lab audit` reads any cluster, not only the lab's.
 */
export function connectAudit(region: string | undefined, kubeConfig: KubeConfig = defaultKubeConfig()): AuditClients {
  return {
    eks: new EKSClient({ region }),
    iam: new IAMClient({ region }),
    ec2: new EC2Client({ region }),
    kubeList: kubeListsOf(kubeConfig),
  };
}

/** GETs one of the cluster-wide lists the audit reads, through the kubeconfig's context. */
export function kubeListsOf(kubeConfig: KubeConfig): AuditClients['kubeList'] {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return async (path) => {
    const list = LISTS[path];
    if (!list) throw new Error(`lab audit reads no ${path}`);
    // client-node returns the typed list; as JSON it is what `kubectl get -o json` prints, dates in ISO form.
    return JSON.parse(JSON.stringify(await list(api))) as unknown;
  };
}

function defaultKubeConfig(): KubeConfig {
  const config = new KubeConfig();
  config.loadFromDefault();
  return config;
}

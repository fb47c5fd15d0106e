import { Drill } from '../../../lab-config';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism, accountOfPod, configuredFor, effectiveCredential } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

/**
 * The webhook mutates a pod only when it is created (amazon-eks-pod-identity-webhook
 * `deploy/mutatingwebhook.yaml`: operations [CREATE]), so a pod created before its service
 * account's association or annotation keeps the credential it got then.
 */
export const podPredatesConfiguration: Rule = {
  id: 'EKSCRED1',
  name: 'pod predates its credential configuration',
  severity: Severity.ERROR,
  explanation:
    'The pod-identity webhook injects credentials only when a pod is created: a pod older than its association or annotation never gets them and falls back along the SDK chain.',
  resolution: 'Recreate the pod (delete it, or restart its Deployment) now that the association or annotation exists.',
  links: [
    'https://github.com/aws/amazon-eks-pod-identity-webhook/blob/master/deploy/mutatingwebhook.yaml',
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  ],
  evaluate(model: ClusterModel): Finding[] {
    return model.pods.flatMap((pod) => {
      const configured = configuredFor(model, accountOfPod(model, pod), pod);
      const effective = effectiveCredential(model, pod);
      if (configured.mechanism === Mechanism.NONE || effective.mechanism === configured.mechanism) return [];
      // Static keys win over both by design; the static-keys rule says so.
      if (effective.mechanism === Mechanism.STATIC_KEYS) return [];
      const what =
        configured.mechanism === Mechanism.POD_IDENTITY
          ? `association ${configured.associations[0].id}`
          : 'the eks.amazonaws.com/role-arn annotation';
      const since = configured.mechanism === Mechanism.POD_IDENTITY ? configured.associations[0].createdAt : undefined;
      const when = pod.createdAt && since ? ` (pod created ${pod.createdAt}, association ${since})` : '';
      const env =
        configured.mechanism === Mechanism.POD_IDENTITY
          ? 'AWS_CONTAINER_CREDENTIALS_FULL_URI'
          : 'AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE';
      return [
        finding(this, {
          subject: `pod ${pod.namespace}/${pod.name}`,
          mechanism: effective.mechanism,
          field: 'pod env',
          expected: `${env}, injected for ${configured.mechanism}`,
          message: `Service account ${pod.namespace}/${pod.serviceAccount} is configured for ${configured.mechanism} (${what}), but the pod has no ${env}: it was created before${when}, and gets ${effective.detail}.`,
          fix: `Recreate pod ${pod.namespace}/${pod.name}; create pods only once the ${configured.mechanism === Mechanism.POD_IDENTITY ? 'association is in effect' : 'annotation is set'}.`,
          drill: configured.mechanism === Mechanism.POD_IDENTITY ? Drill.POD_IDENTITY_PODS_FIRST : undefined,
        }),
      ];
    });
  },
};

import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism, effectiveCredential } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

/**
 * Which pods end their SDK chain at IMDS, with the node's settings that let them: the fallback
 * the lab's first scenario shows (botocore/credentials.py: the instance metadata provider comes last).
 */
export const podReachesNodeRole: Rule = {
  id: 'EKSIMDS3',
  name: 'pod falls back to the node role',
  severity: Severity.NOTE,
  explanation: 'A pod with no credentials of its own that can reach IMDS acts as the node role, with every permission the node has.',
  resolution: 'Give the pod its own role (Pod Identity or IRSA), and lock IMDS on the node.',
  links: ['https://aws.amazon.com/blogs/containers/diving-into-iam-roles-for-service-accounts/'],
  evaluate(model: ClusterModel): Finding[] {
    return model.pods.flatMap((pod) => {
      if (pod.hostNetwork) return [];
      const effective = effectiveCredential(model, pod);
      if (effective.mechanism !== Mechanism.IMDS || effective.imds === undefined) return [];
      return [
        finding(this, {
          subject: `pod ${pod.namespace}/${pod.name}`,
          mechanism: Mechanism.IMDS,
          field: 'credentials',
          expected: 'a role of its own, or none',
          message: `The pod has no credentials of its own and gets ${effective.detail}.`,
          fix: `Give service account ${pod.namespace}/${pod.serviceAccount} a role through Pod Identity, and require IMDSv2 with hop limit 1 on ${pod.nodeName}.`,
        }),
      ];
    });
  },
};

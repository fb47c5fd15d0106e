import { STATIC_KEY_ENV } from '../../private/kube-names';
import { ClusterModel, Pod } from '../../../model/cluster-model';
import { Mechanism, configuredFor, accountOfPod, hasStaticKeys } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

const KEY_PAIR = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

/**
 * One key of the pair alone is no credential, and no fallback either: with AWS_ACCESS_KEY_ID set,
 * botocore's env provider (the AWS CLI's and boto3's) raises PartialCredentialsError for a missing
 * AWS_SECRET_ACCESS_KEY instead of trying the next provider (botocore/credentials.py,
 * EnvProvider._create_credentials_fetcher).
 */
function halfAPair(rule: Pick<Rule, 'id' | 'severity'>, pod: Pod): Finding[] {
  const set = KEY_PAIR.filter((name) => pod.containers.some((c) => c.env.some((e) => e.name === name)));
  if (set.length !== 1) return [];
  const missing = KEY_PAIR.find((name) => !set.includes(name));
  return [
    finding(rule, {
      subject: `pod ${pod.namespace}/${pod.name}`,
      mechanism: Mechanism.STATIC_KEYS,
      field: `env ${set[0]}`,
      expected: 'absent',
      message:
        set[0] === 'AWS_ACCESS_KEY_ID'
          ? `The pod sets AWS_ACCESS_KEY_ID without ${missing} (value not shown): the AWS CLI and boto3 stop there with PartialCredentialsError instead of trying the pod's role.`
          : `The pod sets AWS_SECRET_ACCESS_KEY without ${missing} (value not shown): a secret in env, which botocore ignores without the key id.`,
      fix: `Remove ${set[0]} from pod ${pod.namespace}/${pod.name}; give its service account a role through Pod Identity.`,
    }),
  ];
}

/**
 * Static keys in env come first in the SDK chain (botocore/credentials.py, EnvProvider), so they
 * win over IRSA and Pod Identity, and they never expire. Values are never read into the model.
 */
export const keysInEnv: Rule = {
  id: 'EKSKEYS1',
  name: 'no static AWS keys in pod env',
  severity: Severity.WARNING,
  explanation: 'Long-lived access keys in env win over every role the pod is given, and must be rotated by hand.',
  resolution: 'Remove AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the pod; give its service account a role through Pod Identity.',
  links: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-workloads-use-roles'],
  evaluate(model: ClusterModel): Finding[] {
    return model.pods.flatMap((pod) => {
      if (!hasStaticKeys(model, pod)) return halfAPair(this, pod);
      const env = pod.containers.flatMap((c) => c.env).filter((e) => STATIC_KEY_ENV.includes(e.name));
      const from = [
        ...new Set(
          env.map((e) =>
            e.from === 'secret' ? `Secret ${e.secretName}` : e.from === 'literal' ? 'literal values in the pod spec' : e.from,
          ),
        ),
      ];
      const configured = configuredFor(model, accountOfPod(model, pod), pod).mechanism;
      return [
        finding(this, {
          subject: `pod ${pod.namespace}/${pod.name}`,
          mechanism: Mechanism.STATIC_KEYS,
          field: `env ${env.map((e) => e.name).join(', ') || 'from envFrom'}`,
          expected: 'absent',
          message: `The pod gets static keys from ${from.join(' and ') || 'a Secret through envFrom'} (values not shown)${configured !== Mechanism.NONE ? `; they win over ${configured}, which its service account is configured for` : ''}.`,
          fix: `Remove the keys from pod ${pod.namespace}/${pod.name}, deactivate them in IAM, and use a role through Pod Identity.`,
        }),
      ];
    });
  },
};

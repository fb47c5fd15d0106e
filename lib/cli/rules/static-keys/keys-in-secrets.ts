import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

/** Secrets holding access key ids (AKIA… long-term, ASIA… temporary), read only with --include-secrets. */
export const keysInSecrets: Rule = {
  id: 'EKSKEYS2',
  name: 'no AWS access keys in Secrets',
  severity: Severity.WARNING,
  explanation: 'An access key in a Secret is readable by anyone who may read Secrets in its namespace, and never expires.',
  resolution: 'Delete the Secret, deactivate the key in IAM, and give the workload a role through Pod Identity.',
  links: ['https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids'],
  evaluate(model: ClusterModel): Finding[] {
    // Secrets are read only on request: without them this rule has nothing to say.
    return model.secrets
      .filter((secret) => secret.accessKeyKeys.length > 0)
      .map((secret) =>
        finding(this, {
          subject: `secret ${secret.namespace}/${secret.name}`,
          mechanism: Mechanism.STATIC_KEYS,
          field: `data ${secret.accessKeyKeys.join(', ')}`,
          expected: 'no access key ids',
          message: `Secret ${secret.namespace}/${secret.name} holds an AWS access key id under ${secret.accessKeyKeys.join(', ')} (value not shown).`,
          fix: `Deactivate the key in IAM, delete it from ${secret.namespace}/${secret.name}, and use a role.`,
        }),
      );
  },
};

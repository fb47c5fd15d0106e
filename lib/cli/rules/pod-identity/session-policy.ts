import { SESSION_POLICY_MAX_CHARS } from '../../../lab-names';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

/**
 * EKS accepts an association's `policy` only with `disableSessionTags`, and passes it to STS as a
 * session policy of at most 2,048 characters (EKS API reference, CreatePodIdentityAssociation
 * `policy`; STS API reference, AssumeRole `Policy`).
 */
export const sessionPolicy: Rule = {
  id: 'EKSPI4',
  name: 'session policy comes with session tags disabled',
  severity: Severity.ERROR,
  explanation: 'A session policy needs disableSessionTags, must be JSON, and may have at most 2,048 characters.',
  resolution: 'Set disableSessionTags on the association, and keep its policy short and valid JSON.',
  links: ['https://docs.aws.amazon.com/eks/latest/APIReference/API_CreatePodIdentityAssociation.html'],
  evaluate(model: ClusterModel): Finding[] {
    return model.associations.flatMap((association) => {
      if (association.policy === undefined) return [];
      const subject = `service account ${association.namespace}/${association.serviceAccount}`;
      const base = { subject, mechanism: Mechanism.POD_IDENTITY };
      const found: Finding[] = [];
      if (!association.disableSessionTags) {
        found.push(
          finding(this, {
            ...base,
            field: `association ${association.id} disableSessionTags`,
            expected: 'true',
            message: `Association ${association.id} has a session policy but session tags enabled: EKS accepts a policy only with session tags disabled.`,
            fix: `aws eks update-pod-identity-association --association-id ${association.id} --disable-session-tags, or drop the policy.`,
          }),
        );
      }
      if (association.policy.length > SESSION_POLICY_MAX_CHARS) {
        found.push(
          finding(this, {
            ...base,
            field: `association ${association.id} policy`,
            expected: `at most ${SESSION_POLICY_MAX_CHARS} characters`,
            message: `The session policy of ${association.id} has ${association.policy.length} characters; STS takes at most ${SESSION_POLICY_MAX_CHARS}.`,
            fix: 'Shorten the policy: no whitespace or Sids, fewer statements, or narrow the role itself.',
          }),
        );
      }
      try {
        JSON.parse(association.policy);
      } catch {
        found.push(
          finding(this, {
            ...base,
            field: `association ${association.id} policy`,
            expected: 'a JSON policy document',
            message: `The session policy of ${association.id} is not JSON.`,
            fix: 'Pass the policy document as JSON text.',
          }),
        );
      }
      return found;
    });
  },
};

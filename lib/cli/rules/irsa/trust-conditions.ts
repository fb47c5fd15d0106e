import { Drill } from '../../../lab-config';
import { STS_AUDIENCE, STS_AUDIENCE_TYPO } from '../../../lab-names';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { ConditionMiss, ConditionResult, evaluateConditions } from '../../../model/policy';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { issuerHostPath, lookupRole } from '../role-lookup';
import { irsaAccounts, webIdentityStatements } from './irsa-scope';

/** What the projected IRSA token carries: the webhook asks for audience sts.amazonaws.com. */
function tokenClaims(hostPath: string, namespace: string, name: string): Record<string, string> {
  return { [`${hostPath}:sub`]: `system:serviceaccount:${namespace}:${name}`, [`${hostPath}:aud`]: STS_AUDIENCE };
}

const SUB = /^system:serviceaccount:([^:*?]*):([^:*?]*)$/;

/** For a sub that names another service account: which part, namespace or name, is not the token's. */
function wrongAccount(miss: ConditionMiss): string | undefined {
  const [, namespace, name] = SUB.exec(miss.actual ?? '') ?? [];
  if (namespace === undefined || !miss.key.endsWith(':sub')) return undefined;
  const named = miss.values.flatMap((value) => {
    const [, otherNamespace, otherName] = SUB.exec(value) ?? [];
    return otherNamespace === undefined ? [] : [{ namespace: otherNamespace, name: otherName }];
  });
  // The value that shares a part with the token's sub says which part is wrong.
  const nearest = named.find((n) => n.namespace === namespace || n.name === name) ?? named[0];
  if (!nearest || named.length !== miss.values.length) return undefined;
  // A difference in case alone is the nearest miss's to explain.
  if (`${nearest.namespace}:${nearest.name}`.toLowerCase() === `${namespace}:${name}`.toLowerCase()) return undefined;
  const parts = [
    nearest.namespace !== namespace ? `namespace '${nearest.namespace}', where the service account is in '${namespace}'` : '',
    nearest.name !== name ? `service account '${nearest.name}', where the pods run as '${name}'` : '',
  ];
  return `it names ${parts.filter(Boolean).join(', and ')}`;
}

function explain(miss: ConditionMiss): string {
  if (miss.actual === undefined && miss.key.startsWith('arn:')) {
    return `the key '${miss.key}' carries the provider ARN; IAM keys the claim by the issuer's host and path alone, so no request has it`;
  }
  if (miss.values.includes(STS_AUDIENCE_TYPO)) return `'${STS_AUDIENCE_TYPO}' is the common typo of '${STS_AUDIENCE}'`;
  return wrongAccount(miss) ?? miss.why;
}

/**
 * Evaluates the trust's sub and aud conditions against the token the pod gets, under IAM's real
 * semantics: StringEquals compares literally, so a wildcard there never matches; StringLike
 * expands it. Every mismatch is explained from its nearest value.
 */
export const trustConditions: Rule = {
  id: 'EKSIRSA4',
  name: 'trust conditions match the token',
  severity: Severity.ERROR,
  explanation: "The trust's <issuer>:sub and <issuer>:aud conditions must match the service account's token, or STS answers AccessDenied.",
  resolution:
    "Use StringEquals '<issuer host/path>:sub' = system:serviceaccount:<namespace>:<name> and '<issuer host/path>:aud' = sts.amazonaws.com.",
  links: [
    'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String',
  ],
  evaluate(model: ClusterModel): Finding[] {
    const issuer = model.cluster.issuer;
    if (!issuer) return [];
    const hostPath = issuerHostPath(issuer);
    return irsaAccounts(model).flatMap((account) => {
      const lookup = lookupRole(model, account.roleArn!);
      if (!('role' in lookup)) return [];
      const subject = `service account ${account.namespace}/${account.name}`;
      const statements = webIdentityStatements(model, lookup.role);
      if (statements.length === 0) return [];
      const claims = tokenClaims(hostPath, account.namespace, account.name);
      const results: ConditionResult[] = statements.map((statement) =>
        evaluateConditions(statement, claims, (key) => /:(sub|aud)$/.test(key)),
      );
      if (results.some((result) => result.matches)) return [];
      const decidable = results.filter((result) => result.misses.length > 0);
      if (decidable.length === 0) {
        const keys = [...new Set(results.flatMap((result) => result.undecided))];
        return [
          notVerifiable(
            this,
            subject,
            `${lookup.role.name}'s trust conditions on ${keys.join(', ')} depend on what this audit does not model`,
            'Check those conditions by hand.',
          ),
        ];
      }
      // The statement that came closest: the fewest mismatched keys.
      const nearest = decidable.sort((a, b) => a.misses.length - b.misses.length)[0];
      return nearest.misses.map((miss) => {
        const claim = miss.key.endsWith(':aud') ? 'aud' : 'sub';
        return finding(this, {
          subject,
          mechanism: Mechanism.IRSA,
          field: `${lookup.role.arn} AssumeRolePolicyDocument Condition.${miss.operator}["${miss.key}"]`,
          expected: `${hostPath}:${claim} = ${claims[`${hostPath}:${claim}`]}`,
          message: `${lookup.role.name} requires ${claim} ${JSON.stringify(miss.values)} under ${miss.operator}, and the token's ${claim} is '${claims[`${hostPath}:${claim}`]}': ${explain(miss)}. STS answers AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity".`,
          fix: `Set StringEquals '${hostPath}:${claim}' to '${claims[`${hostPath}:${claim}`]}' in the trust of ${lookup.role.name}.`,
          drill: claim === 'aud' ? Drill.IRSA_AUD_TYPO : Drill.IRSA_WRONG_NAMESPACE,
        });
      });
    });
  },
};

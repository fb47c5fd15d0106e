import { POD_IDENTITY_SESSION_TAGS } from '../../../lab-names';
import { Association, ClusterModel, PolicyStatement, Role } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { statementsOf } from '../../../model/policy';
import { Finding, Rule, Severity, finding } from '../rule';
import { lookupRole } from '../role-lookup';

/** A policy variable that reads a session tag, e.g. in a Resource: `${aws:PrincipalTag/kubernetes-namespace}`. */
const TAG_VARIABLE = /\$\{aws:PrincipalTag\/([^}]+)\}/g;
/** A condition key on a session tag. */
const TAG_KEY = /^aws:PrincipalTag\/(.+)$/;

/**
 * A condition an absent key fails: not `Null`, which tests presence itself, not an `...IfExists`
 * operator, and not a negated one such as StringNotEquals, which an absent key satisfies (IAM user
 * guide, reference_policies_elements_condition_operators, the IfExists and Null sections, and
 * reference_policies_condition-single-vs-multi-valued-context-keys for ForAllValues).
 */
const failsWhenAbsent = (operator: string) => operator !== 'Null' && !operator.endsWith('IfExists') && !/Not/.test(operator);

/** The session tag keys an Allow statement needs: as a policy variable anywhere in it, or in a condition an absent key fails. */
function tagsReadBy(statement: PolicyStatement): string[] {
  if (statement.Effect !== 'Allow') return [];
  const variables = [...JSON.stringify(statement).matchAll(TAG_VARIABLE)].map((match) => match[1]);
  const conditionKeys = Object.entries(statement.Condition ?? {})
    // ForAllValues holds over a missing key; ForAnyValue fails like the plain operator.
    .filter(([operator]) => !operator.startsWith('ForAllValues:') && failsWhenAbsent(operator.replace(/^ForAnyValue:/, '')))
    .flatMap(([, keys]) => Object.keys(keys).flatMap((key) => TAG_KEY.exec(key)?.[1] ?? []));
  return [...variables, ...conditionKeys];
}

/**
 * The roles whose sessions carry the association's tags: its role, and a target role, to which
 * EKS passes the tags on as transitive tags (EKS user guide, pod-id-assign-target-role).
 */
function taggedRoles(model: ClusterModel, association: Association): Role[] {
  return [association.roleArn, association.targetRoleArn].flatMap((arn) => {
    if (arn === undefined) return [];
    const lookup = lookupRole(model, arn);
    return 'role' in lookup ? [lookup.role] : [];
  });
}

/**
 * ABAC reads the session tags EKS sets on every pod's session (EKS user guide, pod-id-abac: the six
 * keys of POD_IDENTITY_SESSION_TAGS) through `${aws:PrincipalTag/<key>}` or an aws:PrincipalTag
 * condition. A key EKS never sets, or any key while the association disables session tags, is
 * absent from the session: a variable AWS cannot resolve makes its statement match nothing, and a
 * condition on the key fails, so access is denied (IAM user guide, reference_policies_variables,
 * "Policy variables with no value"). A role that is absent, in another account or unreadable is another
 * rule's finding (EKSPI1, EKSPI3). A role whose identity policies the source did not collect is not
 * judged, nor reported: the live collection reads none, and a snapshot has them only in the optional
 * role-policies.json, so a note for every association would drown the findings.
 */
export const sessionTagReads: Rule = {
  id: 'EKSPI7',
  name: 'identity policies read only the session tags EKS sets',
  severity: Severity.ERROR,
  explanation:
    "An identity policy that reads a session tag EKS never sets, or reads session tags the association disables, matches nothing: the pods' requests are denied.",
  resolution: `Read only the tags EKS sets (${POD_IDENTITY_SESSION_TAGS.join(', ')}), and leave session tags enabled on an association whose roles read them.`,
  links: [
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html',
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html',
    'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html',
  ],
  evaluate(model: ClusterModel): Finding[] {
    return model.associations.flatMap((association) => taggedRoles(model, association).flatMap((role) => check(this, association, role)));
  },
};

function check(rule: Rule, association: Association, role: Role): Finding[] {
  if (role.policies === undefined) return [];
  const read = [...new Set(role.policies.flatMap(statementsOf).flatMap(tagsReadBy))];
  if (read.length === 0) return [];
  const base = {
    subject: `service account ${association.namespace}/${association.serviceAccount}`,
    mechanism: Mechanism.POD_IDENTITY,
    field: `${role.arn} identity policies aws:PrincipalTag`,
  };
  const known: ReadonlySet<string> = new Set(POD_IDENTITY_SESSION_TAGS);
  const unknown = read.filter((key) => !known.has(key));
  if (unknown.length > 0) {
    return [
      finding(rule, {
        ...base,
        expected: `a tag EKS sets: ${POD_IDENTITY_SESSION_TAGS.join(', ')}`,
        message: `${role.name} reads the session tag${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, which EKS never sets (it sets ${POD_IDENTITY_SESSION_TAGS.join(', ')}): the variable or condition never matches, so access is denied.`,
        fix: `Read a tag EKS sets in the policies of ${role.name}, e.g. \${aws:PrincipalTag/kubernetes-namespace}.`,
      }),
    ];
  }
  if (!association.disableSessionTags) return [];
  return [
    finding(rule, {
      ...base,
      expected: `session tags enabled on association ${association.id}`,
      message: `Association ${association.id} disables session tags, but ${role.name} reads ${read.join(', ')}: without the tags the variable is empty and the condition fails, so access is denied.`,
      fix: `Enable session tags on ${association.id} (aws eks update-pod-identity-association --no-disable-session-tags), or stop reading session tags in ${role.name}.`,
    }),
  ];
}

import { POD_IDENTITY_PRINCIPAL, POD_IDENTITY_SESSION_TAGS } from '../../../lab-names';
import { Association, ClusterModel, PolicyStatement } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { evaluateConditions, principalsOf, statementsOf } from '../../../model/policy';
import { Finding, Rule, Severity, finding } from '../rule';
import { lookupRole } from '../role-lookup';

/**
 * The session tags EKS requests for a pod (EKS user guide, pod-id-abac): the trust's
 * aws:RequestTag conditions see them, unless the association disables them.
 */
function requestTags(model: ClusterModel, association: Association): Record<string, string> {
  if (association.disableSessionTags) return {};
  return {
    'aws:RequestTag/kubernetes-namespace': association.namespace,
    'aws:RequestTag/kubernetes-service-account': association.serviceAccount,
    'aws:RequestTag/eks-cluster-name': model.cluster.name,
  };
}

const SET_BY_EKS: ReadonlySet<string> = new Set(POD_IDENTITY_SESSION_TAGS.map((tag) => `aws:RequestTag/${tag}`));

/**
 * The tags whose values the model knows are decided, and so is a tag EKS never sets, or any tag
 * when the association disables them: the request has none. Pod name and uid vary by pod.
 */
function decidedFor(association: Association): (key: string) => boolean {
  return (key) =>
    association.disableSessionTags ||
    !SET_BY_EKS.has(key) ||
    /^aws:RequestTag\/(kubernetes-namespace|kubernetes-service-account|eks-cluster-name)$/.test(key);
}

function onlyTagConditions(statement: PolicyStatement): PolicyStatement {
  const condition = Object.fromEntries(
    Object.entries(statement.Condition ?? {})
      .map(([operator, keys]) => [operator, Object.fromEntries(Object.entries(keys).filter(([key]) => key.startsWith('aws:RequestTag/')))])
      .filter(([, keys]) => Object.keys(keys).length > 0),
  );
  return { ...statement, Condition: condition };
}

/**
 * A trust that conditions on aws:RequestTag/kubernetes-namespace or -service-account must match
 * the association's; with session tags disabled there are no tags, so such a condition fails.
 */
export const sessionTagConditions: Rule = {
  id: 'EKSPI2',
  name: 'session tag conditions match the association',
  severity: Severity.ERROR,
  explanation: "A trust's aws:RequestTag conditions must match the namespace, service account and cluster EKS tags the session with.",
  resolution: "Make the aws:RequestTag conditions name the association's namespace and service account, or leave session tags enabled.",
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html'],
  evaluate(model: ClusterModel): Finding[] {
    return model.associations.flatMap((association) => {
      const lookup = lookupRole(model, association.roleArn);
      if (!('role' in lookup)) return [];
      const statements = statementsOf(lookup.role.trust)
        .filter((s) => s.Effect === 'Allow' && principalsOf(s, 'Service').includes(POD_IDENTITY_PRINCIPAL))
        .map(onlyTagConditions);
      if (statements.length === 0 || statements.every((s) => Object.keys(s.Condition ?? {}).length === 0)) return [];
      const tags = requestTags(model, association);
      const results = statements.map((s) => evaluateConditions(s, tags, decidedFor(association)));
      if (results.some((r) => r.matches || (r.misses.length === 0 && r.undecided.length > 0))) return [];
      const nearest = results.sort((a, b) => a.misses.length - b.misses.length)[0];
      return nearest.misses.map((miss) =>
        finding(this, {
          subject: `service account ${association.namespace}/${association.serviceAccount}`,
          mechanism: Mechanism.POD_IDENTITY,
          field: `${lookup.role.arn} AssumeRolePolicyDocument Condition.${miss.operator}["${miss.key}"]`,
          expected: association.disableSessionTags
            ? 'session tags enabled on the association'
            : (tags[miss.key] ?? `a tag EKS sets: ${POD_IDENTITY_SESSION_TAGS.join(', ')}`),
          message: association.disableSessionTags
            ? `Association ${association.id} disables session tags, but ${lookup.role.name}'s trust requires ${miss.key} ${JSON.stringify(miss.values)}: with no tags the condition fails.`
            : miss.actual === undefined
              ? `${lookup.role.name}'s trust requires ${miss.key} ${JSON.stringify(miss.values)}, a tag EKS never sets (it sets ${POD_IDENTITY_SESSION_TAGS.join(', ')}): the condition fails, so EKS cannot assume the role.`
              : `${lookup.role.name}'s trust requires ${miss.key} ${JSON.stringify(miss.values)}, and EKS tags the session with '${miss.actual}': ${miss.why}.`,
          fix: association.disableSessionTags
            ? `Enable session tags on ${association.id}, or drop the aws:RequestTag conditions.`
            : miss.actual === undefined
              ? `Condition the trust of ${lookup.role.name} on a tag EKS sets, e.g. aws:RequestTag/kubernetes-namespace.`
              : `Set ${miss.key} to '${miss.actual}' in the trust of ${lookup.role.name}.`,
        }),
      );
    });
  },
};

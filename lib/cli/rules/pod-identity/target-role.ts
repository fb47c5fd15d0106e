import { Association, ClusterModel, Role, accountOf } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { allowsAction, listOf, principalsOf, statementsOf, stringLike } from '../../../model/policy';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { lookupRole } from '../role-lookup';

/** Whether a trust principal names the whole account (`arn:…:root` or the bare account id), not the role. */
function namesAccount(principal: string, account: string | undefined): boolean {
  return (
    account !== undefined &&
    (principal === account || new RegExp(`^arn:[\\w-]+:iam::${account.replace(/[${}]/g, '\\$&')}:root$`).test(principal))
  );
}

/** Whether the source role's identity policies allow sts:AssumeRole on the target. */
function mayAssume(source: Role, targetArn: string): boolean {
  return (source.policies ?? [])
    .flatMap(statementsOf)
    .some((s) => allowsAction(s, 'sts:AssumeRole') && listOf(s.Resource).some((resource) => stringLike(resource, targetArn)));
}

/**
 * With a target role, EKS assumes the association's role, then with its credentials the target
 * role, passing the session tags on: the target's trust must allow the first role sts:AssumeRole
 * and sts:TagSession (EKS user guide, pod-id-assign-target-role). Within one account a trust
 * that names the role's ARN is enough, with no identity policy; cross-account, or when the trust
 * names the account root, the first role's identity policy must allow it too (STS API reference,
 * AssumeRole; IAM User Guide, "Cross account resource access").
 */
export const targetRole: Rule = {
  id: 'EKSPI3',
  name: 'target role trusts the association role',
  severity: Severity.ERROR,
  explanation:
    "A target role must trust the association's role with sts:AssumeRole and sts:TagSession; an identity policy is needed only cross-account or when the trust names the account.",
  resolution: "Trust the association's role ARN in the target role with sts:AssumeRole and sts:TagSession.",
  links: [
    'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html',
    'https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html',
  ],
  evaluate(model: ClusterModel): Finding[] {
    return model.associations.flatMap((association) =>
      association.targetRoleArn ? check(this, model, association, association.targetRoleArn) : [],
    );
  },
};

function check(rule: Rule, model: ClusterModel, association: Association, targetArn: string): Finding[] {
  const subject = `service account ${association.namespace}/${association.serviceAccount}`;
  const base = { subject, mechanism: Mechanism.POD_IDENTITY };
  const lookup = lookupRole(model, targetArn);
  if ('unreadable' in lookup)
    return [notVerifiable(rule, subject, `target role ${lookup.unreadable}`, "Check the target role's trust in its own account.")];
  if ('absent' in lookup) {
    return [
      finding(rule, {
        ...base,
        field: `association ${association.id} targetRoleArn`,
        expected: 'an existing role',
        message: `Association ${association.id} chains to ${targetArn}, which IAM does not have.`,
        fix: `Point ${association.id} at an existing target role.`,
      }),
    ];
  }
  const target = lookup.role;
  const sourceAccount = accountOf(association.roleArn);
  const trusting = statementsOf(target.trust).filter((s) =>
    principalsOf(s, 'AWS').some((p) => p === association.roleArn || namesAccount(p, sourceAccount)),
  );
  const missing = ['sts:AssumeRole', 'sts:TagSession'].filter((action) => !trusting.some((s) => allowsAction(s, action)));
  if (trusting.length === 0 || missing.length > 0) {
    return [
      finding(rule, {
        ...base,
        field: `${target.arn} AssumeRolePolicyDocument`,
        expected: `Allow AWS ${association.roleArn} sts:AssumeRole and sts:TagSession`,
        message:
          trusting.length === 0
            ? `${target.name} does not trust ${association.roleArn}, the role of ${association.id}: EKS's second AssumeRole is denied and the pods get no credentials.`
            : `${target.name} trusts ${association.roleArn} without ${missing.join(' and ')}: EKS passes the session tags on, so the pods get no credentials.`,
        fix: `Allow ${association.roleArn} sts:AssumeRole and sts:TagSession in the trust of ${target.name}.`,
      }),
    ];
  }
  const crossAccount = sourceAccount !== accountOf(target.arn);
  const byAccount = !trusting.some((s) => principalsOf(s, 'AWS').includes(association.roleArn));
  if (!crossAccount && !byAccount) return [];
  const source = lookupRole(model, association.roleArn);
  const why = crossAccount ? 'the target role is in another account' : 'the trust names the account, not the role';
  if (!('role' in source) || source.role.policies === undefined) {
    return [
      notVerifiable(
        rule,
        subject,
        `${why}, so ${association.roleArn} needs an identity policy allowing sts:AssumeRole on ${target.arn}, and its policies were not collected`,
        "Check the role's policies by hand.",
      ),
    ];
  }
  if (mayAssume(source.role, target.arn)) return [];
  return [
    finding(rule, {
      ...base,
      field: `${association.roleArn} identity policies`,
      expected: `Allow sts:AssumeRole on ${target.arn}`,
      message: `${why}, so ${source.role.name} must be allowed sts:AssumeRole on ${target.name} by its own policies, and none does.`,
      fix: `Allow sts:AssumeRole and sts:TagSession on ${target.arn} in a policy of ${source.role.name}.`,
    }),
  ];
}

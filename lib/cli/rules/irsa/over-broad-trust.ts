import { ClusterModel, keyOf } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { listOf, stringLike } from '../../../model/policy';
import { Finding, Rule, Severity, finding } from '../rule';
import { issuerHostPath } from '../role-lookup';
import { webIdentityStatements } from './irsa-scope';

/**
 * A web-identity trust with no sub condition, or a StringLike wildcard in it, lets other service
 * accounts of the cluster assume the role (EKS user guide, associate-service-account-role: "scope
 * the role to a service account").
 */
export const overBroadTrust: Rule = {
  id: 'EKSIRSA5',
  name: 'trust open to other service accounts',
  severity: Severity.WARNING,
  explanation: 'A role any service account of the cluster can assume gives its permissions to every pod that names such a service account.',
  resolution:
    "Require StringEquals '<issuer host/path>:sub' = system:serviceaccount:<namespace>:<name>, one value per service account meant to use the role.",
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html'],
  evaluate(model: ClusterModel): Finding[] {
    const issuer = model.cluster.issuer;
    if (!issuer) return [];
    const subKey = `${issuerHostPath(issuer)}:sub`;
    return model.roles.flatMap((role) =>
      webIdentityStatements(model, role).flatMap((statement) => {
        const equals = statement.Condition?.StringEquals?.[subKey];
        const like = statement.Condition?.StringLike?.[subKey];
        if (equals !== undefined && like === undefined) return [];
        const patterns = listOf(like);
        if (like !== undefined && !patterns.some((pattern) => /[*?]/.test(pattern))) return [];
        const who = model.serviceAccounts
          .filter(
            (account) =>
              like === undefined || patterns.some((p) => stringLike(p, `system:serviceaccount:${account.namespace}:${account.name}`)),
          )
          .map(keyOf);
        const shown = who.length > 10 ? `${who.slice(0, 10).join(', ')} and ${who.length - 10} more` : who.join(', ');
        return [
          finding(this, {
            subject: `role ${role.arn}`,
            mechanism: Mechanism.IRSA,
            field: `AssumeRolePolicyDocument Condition["${subKey}"]`,
            expected: 'StringEquals system:serviceaccount:<namespace>:<name>',
            message:
              like === undefined
                ? `${role.name} trusts the cluster's provider with no sub condition: any service account of the cluster can assume it (${who.length} can now: ${shown || 'none listed'}).`
                : `${role.name} matches sub with StringLike ${JSON.stringify(patterns)}: ${who.length} service account(s) of the cluster can assume it (${shown || 'none now'}).`,
            fix: `Replace it with StringEquals '${subKey}' naming each service account meant to use ${role.name}.`,
          }),
        ];
      }),
    );
  },
};

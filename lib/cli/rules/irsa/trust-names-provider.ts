import { Drill } from '../../../lab-config';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { allowsAction, principalsOf, statementsOf } from '../../../model/policy';
import { Finding, Rule, Severity, finding } from '../rule';
import { lookupRole, providerArnFor } from '../role-lookup';
import { irsaAccounts } from './irsa-scope';

/** STS accepts a web identity token only for a role whose trust names the token issuer's provider. */
export const trustNamesProvider: Rule = {
  id: 'EKSIRSA2',
  name: "trust names the cluster's OIDC provider",
  severity: Severity.ERROR,
  explanation:
    "The role's trust must allow sts:AssumeRoleWithWebIdentity to Federated arn:…:oidc-provider/<the cluster's issuer host/path>.",
  resolution: 'Trust Federated arn:aws:iam::<account>:oidc-provider/<issuer host/path> with sts:AssumeRoleWithWebIdentity.',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html'],
  evaluate(model: ClusterModel): Finding[] {
    const provider = providerArnFor(model);
    if (!provider) return [];
    return irsaAccounts(model).flatMap((account) => {
      const lookup = lookupRole(model, account.roleArn!);
      if (!('role' in lookup)) return [];
      const webIdentity = statementsOf(lookup.role.trust).filter((s) => allowsAction(s, 'sts:AssumeRoleWithWebIdentity'));
      if (webIdentity.some((s) => principalsOf(s, 'Federated').includes(provider))) return [];
      const trusted = webIdentity.flatMap((s) => principalsOf(s, 'Federated'));
      return [
        finding(this, {
          subject: `service account ${account.namespace}/${account.name}`,
          mechanism: Mechanism.IRSA,
          field: `${lookup.role.arn} AssumeRolePolicyDocument Principal.Federated`,
          expected: provider,
          message: `${lookup.role.name} trusts ${trusted.length ? trusted.join(', ') : 'no OIDC provider'} for sts:AssumeRoleWithWebIdentity, not the provider of the cluster's issuer: STS refuses the token.`,
          fix: `Trust Federated ${provider} with sts:AssumeRoleWithWebIdentity in ${lookup.role.name}.`,
          drill: Drill.IRSA_NO_OIDC_PROVIDER,
        }),
      ];
    });
  },
};

import { Drill } from '../../../lab-config';
import { STS_AUDIENCE } from '../../../lab-names';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { issuerHostPath } from '../role-lookup';
import { irsaAccounts } from './irsa-scope';

/**
 * STS verifies an IRSA token against the IAM OIDC provider registered for its issuer, and checks
 * its audience against the provider's client ids: without one, "No OpenIDConnect provider found in
 * your account"; without the client id, "Incorrect token audience" (STS API reference,
 * AssumeRoleWithWebIdentity errors).
 */
export const providerRegistered: Rule = {
  id: 'EKSIRSA3',
  name: 'OIDC provider registered with client id sts.amazonaws.com',
  severity: Severity.ERROR,
  explanation:
    "IRSA needs the cluster's issuer registered as an IAM OIDC provider that lists sts.amazonaws.com, the audience of the projected token.",
  resolution:
    "Register the cluster's issuer URL as an IAM OIDC provider with client id sts.amazonaws.com (eksctl utils associate-iam-oidc-provider).",
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html'],
  evaluate(model: ClusterModel): Finding[] {
    const users = irsaAccounts(model);
    const issuer = model.cluster.issuer;
    if (users.length === 0 || !issuer) return [];
    const subject = `cluster ${model.cluster.name}`;
    if (model.missing.providers)
      return [
        notVerifiable(this, subject, model.missing.providers, 'Allow iam:ListOpenIDConnectProviders and iam:GetOpenIDConnectProvider.'),
      ];
    const hostPath = issuerHostPath(issuer);
    const provider = model.providers.find((candidate) => candidate.hostPath === hostPath);
    const used = `used by ${users.map((a) => `${a.namespace}/${a.name}`).join(', ')}`;
    if (!provider) {
      return [
        finding(this, {
          subject,
          mechanism: Mechanism.IRSA,
          field: 'IAM OIDC providers',
          expected: `a provider for ${hostPath}`,
          message: `IAM has no OIDC provider for the issuer ${issuer} (${used}): STS answers "No OpenIDConnect provider found in your account".`,
          fix: `Register ${issuer} as an IAM OIDC provider with client id ${STS_AUDIENCE}.`,
          drill: Drill.IRSA_NO_OIDC_PROVIDER,
        }),
      ];
    }
    if (provider.clientIds.includes(STS_AUDIENCE)) return [];
    return [
      finding(this, {
        subject,
        mechanism: Mechanism.IRSA,
        field: `${provider.arn} ClientIDList`,
        expected: STS_AUDIENCE,
        message: `${provider.arn} lists client ids [${provider.clientIds.join(', ')}], not ${STS_AUDIENCE} (${used}): STS answers "Incorrect token audience".`,
        fix: `Add client id ${STS_AUDIENCE}: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id ${STS_AUDIENCE}.`,
        drill: Drill.IRSA_CLIENT_ID_TYPO,
      }),
    ];
  },
};

import { Drill } from '../../../lab-config';
import { STS_AUDIENCE, STS_AUDIENCE_TYPO } from '../../../lab-names';
import { ClusterModel, OidcProvider } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { issuerHostPath } from '../role-lookup';
import { irsaAccounts } from './irsa-scope';

/**
 * The nearest miss for a missing provider: IAM's providers for other issuers of the same host,
 * such as another cluster's, or this cluster's before it was recreated with a new issuer ID.
 */
function otherIssuers(providers: readonly OidcProvider[], hostPath: string): string {
  const host = hostPath.split('/')[0];
  const others = providers.filter((p) => p.hostPath !== hostPath && p.hostPath.split('/')[0] === host).map((p) => `https://${p.hostPath}`);
  if (others.length === 0) return '';
  const shown = others.length > 3 ? `${others.slice(0, 3).join(', ')} and ${others.length - 3} more` : others.join(', ');
  return ` IAM registers other issuers of ${host}: ${shown}; each cluster has an issuer of its own.`;
}

/** The client id that was meant to be sts.amazonaws.com, if one looks like it. */
function audienceTypo(clientIds: readonly string[]): string {
  const near = clientIds.find((id) => id !== STS_AUDIENCE && /^sts\./.test(id));
  if (!near) return '';
  return near === STS_AUDIENCE_TYPO ? ` ('${near}' is the common typo of '${STS_AUDIENCE}')` : ` ('${near}' is not '${STS_AUDIENCE}')`;
}

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
          message: `IAM has no OIDC provider for the issuer ${issuer} (${used}): STS answers "No OpenIDConnect provider found in your account".${otherIssuers(model.providers, hostPath)}`,
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
        message: `${provider.arn} lists client ids [${provider.clientIds.join(', ')}]${audienceTypo(provider.clientIds)}, not ${STS_AUDIENCE} (${used}): STS answers "Incorrect token audience".`,
        fix: `Add client id ${STS_AUDIENCE}: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${provider.arn} --client-id ${STS_AUDIENCE}.`,
        drill: Drill.IRSA_CLIENT_ID_TYPO,
      }),
    ];
  },
};

import { ClusterModel, Role, accountOf } from '../../model/cluster-model';

/** A role the rules look up by ARN: found, not readable (and why), or absent from IAM. */
export type RoleLookup = { readonly role: Role } | { readonly unreadable: string } | { readonly absent: true };

/**
 * Finds a role of the model. A role in another account is not verifiable, not wrong: the
 * caller's credentials can only read their own account's IAM. Neither is one whose read was denied.
 */
export function lookupRole(model: ClusterModel, arn: string): RoleLookup {
  const role = model.roles.find((candidate) => candidate.arn === arn);
  if (role) return { role };
  const account = accountOf(arn);
  if (account && model.cluster.account && account !== model.cluster.account)
    return { unreadable: `${arn} is in account ${account}, not the cluster's ${model.cluster.account}` };
  if (model.missing.roles) return { unreadable: `${arn} could not be read (${model.missing.roles})` };
  if (model.missing.roleTrusts) return { unreadable: `${arn} could not be read (${model.missing.roleTrusts})` };
  return { absent: true };
}

/** The issuer's host and path, as IAM keys the conditions of a web-identity trust. */
export function issuerHostPath(issuer: string): string {
  return issuer.replace(/^https:\/\//, '');
}

/** The OIDC provider ARN IAM gives the cluster's issuer in the cluster's account. */
export function providerArnFor(model: ClusterModel, partition = 'aws'): string | undefined {
  const { issuer, account } = model.cluster;
  if (!issuer || !account) return undefined;
  return `arn:${partition}:iam::${account}:oidc-provider/${issuerHostPath(issuer)}`;
}

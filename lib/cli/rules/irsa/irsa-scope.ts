import { ClusterModel, PolicyStatement, Role, ServiceAccount } from '../../../model/cluster-model';
import { associationsOf } from '../../../model/effective-credential';
import { allowsAction, principalsOf, statementsOf } from '../../../model/policy';
import { providerArnFor } from '../role-lookup';

/** Service accounts that get IRSA: annotated, and not overridden by an association. */
export function irsaAccounts(model: ClusterModel): ServiceAccount[] {
  return model.serviceAccounts.filter((account) => account.roleArn && associationsOf(model, account.namespace, account.name).length === 0);
}

/** The trust statements that let a web identity of the cluster's provider assume the role. */
export function webIdentityStatements(model: ClusterModel, role: Role): PolicyStatement[] {
  const provider = providerArnFor(model);
  return statementsOf(role.trust).filter(
    (statement) =>
      allowsAction(statement, 'sts:AssumeRoleWithWebIdentity') &&
      principalsOf(statement, 'Federated').some(
        (principal) => principal === provider || (provider === undefined && principal.includes(':oidc-provider/')),
      ),
  );
}

import { ClusterModel, keyOf } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';

/** EKS accepts an association for a service account that does not exist, and keeps it when the account goes. */
export const orphanAssociation: Rule = {
  id: 'EKSPI5',
  name: 'association names an existing service account',
  severity: Severity.WARNING,
  explanation:
    'An association whose service account does not exist grants nothing today, and grants its role to whoever creates that service account later.',
  resolution: 'Delete the association, or create the service account it was meant for.',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html'],
  evaluate(model: ClusterModel): Finding[] {
    if (model.associations.length === 0) return [];
    if (model.missing.serviceAccounts) {
      return [
        notVerifiable(
          this,
          `cluster ${model.cluster.name}`,
          model.missing.serviceAccounts,
          'Allow list on serviceaccounts in every namespace.',
        ),
      ];
    }
    const accounts = new Set(model.serviceAccounts.map(keyOf));
    return model.associations
      .filter((association) => !accounts.has(`${association.namespace}/${association.serviceAccount}`))
      .map((association) =>
        finding(this, {
          subject: `association ${association.id}`,
          mechanism: Mechanism.POD_IDENTITY,
          field: 'serviceAccount',
          expected: 'an existing service account',
          message: `Association ${association.id} links ${association.namespace}/${association.serviceAccount} to ${association.roleArn}, but that service account does not exist.`,
          fix: `aws eks delete-pod-identity-association --cluster-name ${model.cluster.name} --association-id ${association.id}, or create ${association.namespace}/${association.serviceAccount}.`,
        }),
      );
  },
};

import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism, associationsOf } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding } from '../rule';

/**
 * With both an association and the IRSA annotation, the webhook injects container credentials
 * alone ("Container credentials method takes precedence", amazon-eks-pod-identity-webhook
 * `pkg/handler/handler.go`): the annotated role is silently never used.
 */
export const twoMechanisms: Rule = {
  id: 'EKSCRED2',
  name: 'IRSA and Pod Identity on one service account',
  severity: Severity.WARNING,
  explanation:
    'Pod Identity wins over the IRSA annotation; the annotated role is never used, which surprises whoever reads the annotation.',
  resolution: 'Keep one mechanism: remove the eks.amazonaws.com/role-arn annotation or the association.',
  links: ['https://github.com/aws/amazon-eks-pod-identity-webhook/blob/master/pkg/handler/handler.go'],
  evaluate(model: ClusterModel): Finding[] {
    return model.serviceAccounts.flatMap((account) => {
      const associations = associationsOf(model, account.namespace, account.name);
      if (!account.roleArn || associations.length === 0) return [];
      return [
        finding(this, {
          subject: `service account ${account.namespace}/${account.name}`,
          mechanism: Mechanism.POD_IDENTITY,
          field: 'metadata.annotations["eks.amazonaws.com/role-arn"]',
          expected: 'absent, since association ' + associations[0].id + ' exists',
          message: `Service account ${account.namespace}/${account.name} has both the eks.amazonaws.com/role-arn annotation and a Pod Identity association: the webhook gives the association precedence, so the annotated role ${account.roleArn} is never used (association ${associations[0].id}, role ${associations[0].roleArn}).`,
          fix: `Remove the annotation from ${account.namespace}/${account.name}, or delete association ${associations[0].id}.`,
        }),
      ];
    });
  },
};

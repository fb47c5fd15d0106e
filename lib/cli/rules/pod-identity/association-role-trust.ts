import { Drill } from '../../../lab-config';
import { POD_IDENTITY_PRINCIPAL } from '../../../lab-names';
import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { allowsAction, principalsOf, statementsOf } from '../../../model/policy';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { lookupRole } from '../role-lookup';

/**
 * EKS Auth assumes the association's role as pods.eks.amazonaws.com with session tags, so the
 * trust must allow sts:AssumeRole and sts:TagSession (EKS user guide, pod-id-role).
 */
export const associationRoleTrust: Rule = {
  id: 'EKSPI1',
  name: "association's role trusts pods.eks.amazonaws.com",
  severity: Severity.ERROR,
  explanation: "The association's role must exist and trust Service pods.eks.amazonaws.com with both sts:AssumeRole and sts:TagSession.",
  resolution: 'Trust Service pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession.',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html'],
  evaluate(model: ClusterModel): Finding[] {
    return model.associations.flatMap((association) => {
      const subject = `service account ${association.namespace}/${association.serviceAccount}`;
      const lookup = lookupRole(model, association.roleArn);
      if ('unreadable' in lookup) return [notVerifiable(this, subject, lookup.unreadable, 'Audit with credentials that may iam:GetRole.')];
      if ('absent' in lookup) {
        return [
          finding(this, {
            subject,
            mechanism: Mechanism.POD_IDENTITY,
            field: `association ${association.id} roleArn`,
            expected: 'an existing role',
            message: `Association ${association.id} names ${association.roleArn}, which IAM does not have.`,
            fix: `Point association ${association.id} at an existing role.`,
          }),
        ];
      }
      const trusting = statementsOf(lookup.role.trust).filter((s) => principalsOf(s, 'Service').includes(POD_IDENTITY_PRINCIPAL));
      const missing = ['sts:AssumeRole', 'sts:TagSession'].filter((action) => !trusting.some((s) => allowsAction(s, action)));
      if (missing.length === 0) return [];
      return [
        finding(this, {
          subject,
          mechanism: Mechanism.POD_IDENTITY,
          field: `${lookup.role.arn} AssumeRolePolicyDocument`,
          expected: `Allow Service ${POD_IDENTITY_PRINCIPAL} sts:AssumeRole and sts:TagSession`,
          message: `${lookup.role.name} ${trusting.length ? `trusts ${POD_IDENTITY_PRINCIPAL} without ${missing.join(' and ')}` : `does not trust ${POD_IDENTITY_PRINCIPAL}`}: EKS Auth cannot assume it, and the pods get no credentials.`,
          fix: `Allow ${missing.join(' and ')} to Service ${POD_IDENTITY_PRINCIPAL} in the trust of ${lookup.role.name}.`,
          drill: missing.includes('sts:TagSession') && trusting.length ? Drill.POD_IDENTITY_NO_TAG_SESSION : undefined,
        }),
      ];
    });
  },
};

import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { lookupRole } from '../role-lookup';
import { irsaAccounts } from './irsa-scope';

/** The webhook injects whatever the annotation says; STS then refuses a role that does not exist. */
export const annotatedRoleExists: Rule = {
  id: 'EKSIRSA1',
  name: 'annotated role exists',
  severity: Severity.ERROR,
  explanation:
    'The eks.amazonaws.com/role-arn annotation must name an existing role ARN, or every AssumeRoleWithWebIdentity of its pods fails.',
  resolution: 'Annotate the service account with the ARN of an existing role that trusts it.',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html'],
  evaluate(model: ClusterModel): Finding[] {
    return irsaAccounts(model).flatMap((account) => {
      const subject = `service account ${account.namespace}/${account.name}`;
      const arn = account.roleArn!;
      // A synthesized assembly's ARN carries CloudFormation's account placeholder instead of the number.
      if (!/^arn:aws[\w-]*:iam::(\d{12}|\$\{AWS::AccountId\}):role\/.+/.test(arn)) {
        return [
          finding(this, {
            subject,
            mechanism: Mechanism.IRSA,
            field: 'metadata.annotations["eks.amazonaws.com/role-arn"]',
            expected: 'arn:aws:iam::<account>:role/<name>',
            message: `The annotation is ${JSON.stringify(arn)}, not a role ARN: STS refuses the assumption.`,
            fix: `Set the annotation to the full ARN of the role.`,
          }),
        ];
      }
      const lookup = lookupRole(model, arn);
      if ('unreadable' in lookup)
        return [notVerifiable(this, subject, lookup.unreadable, 'Audit with credentials that may iam:GetRole in that account.')];
      if ('role' in lookup) return [];
      return [
        finding(this, {
          subject,
          mechanism: Mechanism.IRSA,
          field: 'metadata.annotations["eks.amazonaws.com/role-arn"]',
          expected: 'an existing role',
          message: `The annotation names ${arn}, which IAM does not have.`,
          fix: `Create the role, or annotate ${account.namespace}/${account.name} with one that exists.`,
        }),
      ];
    });
  },
};

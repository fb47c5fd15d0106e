import { ClusterModel } from '../../../model/cluster-model';
import { Mechanism } from '../../../model/effective-credential';
import { Finding, Rule, Severity, finding, notVerifiable } from '../rule';
import { imdsHole } from './node-imds';

/** The launch template decides IMDS for the nodes a node group launches next (EKS user guide, launch-templates). */
export const launchTemplateImds: Rule = {
  id: 'EKSIMDS2',
  name: 'launch templates keep future nodes locked',
  severity: Severity.WARNING,
  explanation: "A node group's launch template with IMDSv1 open or hop limit 2 or more gives every new node the same hole.",
  resolution:
    'Set MetadataOptions HttpTokens required and HttpPutResponseHopLimit 1 in a new launch template version, and update the node group to it.',
  links: ['https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html'],
  evaluate(model: ClusterModel): Finding[] {
    return model.nodeGroups.flatMap((group) => {
      if (!group.launchTemplate) return [];
      const subject = `node group ${group.name}`;
      if (!group.metadata) {
        return model.missing.launchTemplates
          ? [notVerifiable(this, subject, model.missing.launchTemplates, 'Allow ec2:DescribeLaunchTemplateVersions.')]
          : [];
      }
      const hole = imdsHole(group.metadata);
      if (!hole) return [];
      return [
        finding(this, {
          subject,
          mechanism: Mechanism.IMDS,
          field: `launch template ${group.launchTemplate} MetadataOptions.${hole.setting}`,
          expected: 'HttpTokens required, HttpPutResponseHopLimit 1',
          message: `The launch template gives new nodes ${hole.why}.`,
          fix: `Create a launch template version with HttpTokens required and hop limit 1, and update ${group.name} to it.`,
        }),
      ];
    });
  },
};

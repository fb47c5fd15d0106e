/**
 * How CloudFormation updates a resource whose properties changed: in place, or by replacing it
 * (a new physical resource, the old one deleted in the cleanup phase). Each property's "Update
 * requires" line in the resource's page of the template reference says which; only the types and
 * properties the lab's flows change are listed, and any other change is refused, so that a flow
 * which reaches one fails instead of passing on a guess.
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html
 */

export enum UpdateBehaviour {
  /** "Update requires: No interruption": the physical id stays. */
  IN_PLACE = 'in place',
  /** "Update requires: Replacement": a new physical resource; the old one goes in the cleanup phase. */
  REPLACEMENT = 'replacement',
}

const REFERENCE = 'https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference';

/** For each type, each property the flows change, with the page that says how it updates. */
const BEHAVIOURS: Readonly<Record<string, Readonly<Record<string, { behaviour: UpdateBehaviour; source: string }>>>> = {
  'AWS::EC2::LaunchTemplate': {
    // An update creates a new launch template version; LatestVersionNumber names it.
    LaunchTemplateData: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-ec2-launchtemplate.html` },
  },
  'AWS::EKS::Nodegroup': {
    // EKS then rolls the node group onto the new launch template version: new nodes, old ones
    // drained and terminated (https://docs.aws.amazon.com/eks/latest/userguide/managed-node-update-behavior.html).
    LaunchTemplate: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-eks-nodegroup.html` },
  },
  'AWS::IAM::OIDCProvider': {
    ClientIdList: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-iam-oidcprovider.html` },
    Url: { behaviour: UpdateBehaviour.REPLACEMENT, source: `${REFERENCE}/aws-resource-iam-oidcprovider.html` },
  },
  'AWS::IAM::Role': {
    AssumeRolePolicyDocument: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-iam-role.html` },
  },
  'AWS::IAM::Policy': {
    PolicyDocument: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-iam-policy.html` },
  },
  'AWS::EKS::PodIdentityAssociation': {
    RoleArn: { behaviour: UpdateBehaviour.IN_PLACE, source: `${REFERENCE}/aws-resource-eks-podidentityassociation.html` },
    Namespace: { behaviour: UpdateBehaviour.REPLACEMENT, source: `${REFERENCE}/aws-resource-eks-podidentityassociation.html` },
    ServiceAccount: { behaviour: UpdateBehaviour.REPLACEMENT, source: `${REFERENCE}/aws-resource-eks-podidentityassociation.html` },
  },
};

/** Thrown for a change whose update behaviour the replay does not know. */
export class UnmodelledUpdate extends Error {}

/** How a resource of `type` updates when `changed` properties change. */
export function updateBehaviour(type: string, changed: readonly string[]): UpdateBehaviour {
  // A custom resource gets an Update request whatever changed, and decides itself: a new
  // PhysicalResourceId in its answer is a replacement
  // (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html).
  if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return UpdateBehaviour.IN_PLACE;
  const known = BEHAVIOURS[type] ?? {};
  const unknown = changed.filter((property) => !(property in known));
  if (unknown.length > 0) {
    throw new UnmodelledUpdate(
      `The replay does not know how CloudFormation updates ${type} ${unknown.join(', ')}; add it with its source.`,
    );
  }
  return changed.some((property) => known[property].behaviour === UpdateBehaviour.REPLACEMENT)
    ? UpdateBehaviour.REPLACEMENT
    : UpdateBehaviour.IN_PLACE;
}

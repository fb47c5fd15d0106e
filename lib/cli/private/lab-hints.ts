import { IMDS_HOP_LIMIT, IMDS_HTTP_TOKENS } from '../../lab-names';
import { ClusterModel } from '../../model/cluster-model';
import { associationsOf } from '../../model/effective-credential';
import { LabToggles } from '../../scenarios';
import { Finding } from '../rules/rule';

/** What `lab doctor` adds to a rule's finding in the lab's own terms: the toggle, the CDK construct, the CloudFormation dependency. */
export interface LabHint {
  /**
   * A sentence added to what the rule found.
   * @default - the rule's message alone
   */
  readonly detail?: string;
  /**
   * How to fix it in the lab, added to the rule's fix.
   * @default - the rule's fix alone
   */
  readonly fix?: string;
}

type HintOf = (finding: Finding, toggles: LabToggles | undefined, model: ClusterModel) => LabHint | undefined;

/**
 * The IMDS settings come from one toggle, `-c imds=`, recorded in the node-role stack. A hole that
 * toggle does not open means the cluster stack was synthesized with another one.
 */
const imdsHint: HintOf = (finding, toggles) => {
  const tokensHole = finding.field?.endsWith('HttpTokens') ?? false;
  if (toggles) {
    const tokens = IMDS_HTTP_TOKENS[toggles.imds];
    const hopLimit = IMDS_HOP_LIMIT[toggles.imds];
    const opened = tokensHole ? tokens !== 'required' : hopLimit >= 2;
    if (!opened) {
      return {
        detail: `The node-role stack was synthesized with imds=${toggles.imds}, which sets HttpTokens ${tokens} and hop limit ${hopLimit}: the two stacks were synthesized with different toggles.`,
        fix: `Synthesize and deploy both stacks with the same toggle: \`npx cdk deploy --all -c imds=${toggles.imds}\`.`,
      };
    }
  }
  return { fix: 'In the lab, `npx cdk deploy --all -c imds=locked` sets requireImdsv2 and hop limit 1 on the launch template.' };
};

/** The lab creates pods in CloudFormation: what makes them wait is a DependsOn on what configures them. */
const creationOrderHint: HintOf = (finding, _toggles, model) => {
  const [, namespace, name] = /^pod ([^/]+)\/(.+)$/.exec(finding.subject) ?? [];
  const pod = model.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) return undefined;
  const association = associationsOf(model, pod.namespace, pod.serviceAccount)[0];
  return {
    fix: association
      ? `In the lab, make the pods depend on association ${association.id}: podsDependOn(association), so CloudFormation creates them after it.`
      : `In the lab, make the pods depend on the manifest that creates service account ${pod.namespace}/${pod.serviceAccount} (pods.node.addDependency(identity)), so CloudFormation creates them after its annotation.`,
  };
};

/** How the pod-identity-advanced stack builds each feature, for the finding's field. */
const sessionPolicyHint: HintOf = (finding) => {
  if (finding.expected === 'true')
    return { fix: 'In the lab, give the CfnPodIdentityAssociation disableSessionTags: true with its policy.' };
  return {
    fix: 'In the lab, build the policy with sessionPolicy(), which writes an iam.PolicyDocument as JSON and refuses one over 2,048 characters.',
  };
};

const targetRoleHint: HintOf = () => ({
  fix: "In the lab, the target role is assumedBy new iam.SessionTagsPrincipal(new iam.ArnPrincipal(sourceRole.roleArn)), which allows both actions to that role's ARN.",
});

const sessionTagReadsHint: HintOf = (finding) =>
  finding.expected?.startsWith('session tags enabled')
    ? { fix: 'In the lab, leave disableSessionTags unset on the CfnPodIdentityAssociation whose roles read session tags.' }
    : { fix: 'In the lab, the ABAC policy reads ${aws:PrincipalTag/kubernetes-namespace} in its object ARN.' };

/** Each rule's hint, by rule id: what only the lab can say about a finding. */
const HINTS: Readonly<Record<string, HintOf>> = {
  EKSIMDS1: imdsHint,
  EKSIMDS2: imdsHint,
  EKSIRSA3: () => ({
    fix: "In the lab, the irsa stack registers it: an AWS::IAM::OIDCProvider (iam.OidcProviderNative) with url = the cluster's issuer and client id sts.amazonaws.com.",
  }),
  EKSCRED1: creationOrderHint,
  EKSPI3: targetRoleHint,
  EKSPI4: sessionPolicyHint,
  EKSPI7: sessionTagReadsHint,
  EKSSDK1: () => ({ fix: 'In the lab: -c awsCliImage=public.ecr.aws/aws-cli/aws-cli:<tag>.' }),
};

/** What the lab adds to a finding, if anything. */
export function labHintOf(finding: Finding, toggles: LabToggles | undefined, model: ClusterModel): LabHint {
  return HINTS[finding.ruleId]?.(finding, toggles, model) ?? {};
}

import { Drill } from './lab-config';
import { DRILL_OUTCOMES, ScenarioId, scenario } from './scenarios';

/**
 * What each drill breaks, how to deploy it, and how to fix it: for `lab drill`, `lab doctor`,
 * `lab verify` and the README. This module imports nothing heavy, so the CLI reads it without the CDK.
 */
export interface DrillGuide {
  /** The mistake, in one sentence. */
  readonly breaks: string;
  /** How to fix it for real, in one sentence. */
  readonly fix: string;
  /** Who CloudTrail names as the caller under the drill, with the default toggles; what no source confirms is said. */
  readonly cloudTrail: string;
  /**
   * What to run after the deploy before the pods show the drill, and why.
   * @default - nothing: deploying the drill runs the scenario's pods again
   */
  readonly afterDeploy?: { readonly command: string; readonly why: string };
  /**
   * What to run before the deploy, and why.
   * @default - nothing: the drill deploys over the healthy stack
   */
  readonly beforeDeploy?: { readonly command: string; readonly why: string };
}

const stackOf = (id: ScenarioId) => scenario(id).stackName;

// Failed AssumeRoleWithWebIdentity calls are logged in CloudTrail (https://repost.aws/knowledge-center/iam-idp-access-error);
// an IRSA pod's refused call, as a WebIdentityUser event with errorCode AccessDenied, is printed in
// https://repost.aws/knowledge-center/eks-troubleshoot-sdk-workload.
const TRAIL_TRUST_REFUSED =
  'No ListBuckets at all: the pod never got credentials. CloudTrail records the refused AssumeRoleWithWebIdentity, a WebIdentityUser event for system:serviceaccount:irsa:eks-iam-test with errorCode AccessDenied.';
const TRAIL_TOKEN_REJECTED =
  'No ListBuckets at all: the pod never got credentials. Whether CloudTrail records the rejected AssumeRoleWithWebIdentity (InvalidIdentityToken) is unconfirmed.';
const TRAIL_NODE_ROLE =
  "ListBuckets by the node's instance role, errorCode AccessDenied: AssumedRole, session i-…, ec2RoleDelivery 2.0, the caller of eks-iam-test1.";

/** Every drill, with what it breaks. */
export const DRILLS: Readonly<Record<Drill, DrillGuide>> = {
  [Drill.IRSA_AUD_TYPO]: {
    breaks: "The IRSA role's trust requires aud = sts.amazon.com, a typo of sts.amazonaws.com.",
    fix: "Set StringEquals '<issuer host/path>:aud' to sts.amazonaws.com in the role's trust.",
    cloudTrail: TRAIL_TRUST_REFUSED,
  },
  [Drill.IRSA_CLIENT_ID_TYPO]: {
    breaks: "The IAM OIDC provider's only client id (audience) is sts.amazon.com, not sts.amazonaws.com.",
    fix: "Add the client id sts.amazonaws.com to the cluster's IAM OIDC provider.",
    cloudTrail: TRAIL_TOKEN_REJECTED,
  },
  [Drill.IRSA_WRONG_NAMESPACE]: {
    breaks: "The IRSA role's trust names system:serviceaccount:default:eks-iam-test, but the pods run in namespace irsa.",
    fix: "Set StringEquals '<issuer host/path>:sub' to system:serviceaccount:irsa:eks-iam-test.",
    cloudTrail: TRAIL_TRUST_REFUSED,
  },
  [Drill.IRSA_NO_ANNOTATION]: {
    breaks: 'Service account irsa/eks-iam-test has no eks.amazonaws.com/role-arn annotation.',
    fix: 'Annotate the service account with eks.amazonaws.com/role-arn: <role ARN>, then recreate its pods.',
    cloudTrail: TRAIL_NODE_ROLE,
  },
  [Drill.IRSA_NO_OIDC_PROVIDER]: {
    breaks: "IAM has no OIDC provider for the cluster's issuer: the lab's provider registers another cluster's issuer instead.",
    fix: "Register the cluster's issuer URL as an IAM OIDC provider with client id sts.amazonaws.com.",
    cloudTrail: TRAIL_TOKEN_REJECTED,
    afterDeploy: {
      command: 'npm run lab -- rerun irsa',
      why: 'over a deployed irsa stack, CloudFormation deletes the replaced provider only after it updated everything else, pods included.',
    },
  },
  [Drill.POD_IDENTITY_NO_TAG_SESSION]: {
    breaks: 'The Pod Identity role trusts pods.eks.amazonaws.com with sts:AssumeRole but not sts:TagSession.',
    fix: 'Trust pods.eks.amazonaws.com with both sts:AssumeRole and sts:TagSession.',
    // Nodes call EKS Auth with their own role: AmazonEKSWorkerNodeMinimalPolicy grants eks-auth:AssumeRoleForPodIdentity.
    cloudTrail:
      "No ListBuckets at all: the pod never got credentials. What fails is EKS Auth's AssumeRoleForPodIdentity, which the agent calls with the node's role; how CloudTrail records that refusal is unconfirmed.",
  },
  [Drill.POD_IDENTITY_PODS_FIRST]: {
    breaks: 'The Pod Identity pods are created before their association: nothing waits for it, and it waits for them.',
    fix: 'Create the pods after the association is in effect (depend on it, wait for the webhook to inject), or recreate them.',
    cloudTrail: TRAIL_NODE_ROLE,
    beforeDeploy: {
      command: `npx cdk destroy ${stackOf(ScenarioId.POD_IDENTITY)}`,
      why: 'an association that already exists is in effect before the pods run again.',
    },
  },
};

/** The drill, if it is set and belongs to this scenario: a stack applies no other. */
export function drillFor(drill: Drill | undefined, id: ScenarioId): Drill | undefined {
  return drill !== undefined && DRILL_OUTCOMES[drill].scenario === id ? drill : undefined;
}

/** The stack a drill changes. */
export function drillStackName(drill: Drill): string {
  return stackOf(DRILL_OUTCOMES[drill].scenario);
}

/** The command that deploys a drill. */
export function drillDeployCommand(drill: Drill): string {
  return `npx cdk deploy ${drillStackName(drill)} -c drill=${drill}`;
}

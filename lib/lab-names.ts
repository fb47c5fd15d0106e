import { ImdsMode } from './lab-config';

/**
 * Names the lab's stacks, the EKS webhooks and the `lab` CLI must agree on.
 * This module imports nothing heavy, so the CLI reads them without loading the CDK.
 */

/** The service-account annotation the pod-identity webhook reads to inject a role into a pod. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** The audience STS requires in an IRSA token: the OIDC provider's client id. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** The common typo of STS_AUDIENCE, which the drills deploy on purpose. */
export const STS_AUDIENCE_TYPO = 'sts.amazon.com';

/** The service principal of the EKS Pod Identity agent's credential exchange. */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

/** The EKS add-on that runs the Pod Identity agent on every node. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/** IMDS hop limit per mode: each container network namespace adds one hop. */
export const IMDS_HOP_LIMIT: Readonly<Record<ImdsMode, number>> = {
  [ImdsMode.OPEN]: 2,
  [ImdsMode.LOCKED]: 1,
  [ImdsMode.LEAKY]: 1,
};

/**
 * The launch template's `HttpTokens` per mode: `required` turns IMDSv1 off. The hop limit applies
 * to the IMDSv2 token PUT alone, so only `required` makes hop limit 1 a lock.
 * @see https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html
 */
export const IMDS_HTTP_TOKENS: Readonly<Record<ImdsMode, 'required' | 'optional'>> = {
  [ImdsMode.OPEN]: 'required',
  [ImdsMode.LOCKED]: 'required',
  [ImdsMode.LEAKY]: 'optional',
};

/** Template metadata key recording the toggles a deploy expects, for `lab verify` and `lab doctor`. */
export const TOGGLES_METADATA_KEY = 'eks-oidc-demo:toggles';

/** Template metadata key recording the drill deployed into a stack, for `lab verify` and `lab doctor`. */
export const DRILL_METADATA_KEY = 'eks-oidc-demo:drill';

/** The custom resource that creates a scenario's pods and runs them again when a toggle changes. */
export const LAB_PODS_RESOURCE_TYPE = 'Custom::LabPods';

/**
 * The oldest AWS CLI that can use each credential mode, by major version.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html
 * @see https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html
 */
export const MINIMUM_AWS_CLI = {
  irsa: { 1: '1.16.232', 2: '2.0.0' },
  podIdentity: { 1: '1.30.0', 2: '2.15.0' },
} as const;

/**
 * The optional stack that lets one GitHub repository run the end-to-end test. It is deployed
 * once by hand and is never part of `cdk deploy --all` or `cdk destroy --all` of the lab.
 */
export const CI_ACCESS_STACK_NAME = 'eks-oidc-demo-ci-access';

// ---------------------------------------------------------------------------------------------
// EKS Pod Identity since its launch (eks-oidc-demo-pod-identity-advanced).
// ---------------------------------------------------------------------------------------------

/**
 * The session tags EKS Pod Identity puts on the role session, unless the association disables
 * them; policies read them as `${aws:PrincipalTag/<key>}`. They are transitive: they follow the
 * session into a chained AssumeRole. ("Enable or disable session tags", EKS user guide, pod-id-abac.)
 */
export const POD_IDENTITY_SESSION_TAGS = [
  'eks-cluster-arn',
  'eks-cluster-name',
  'kubernetes-namespace',
  'kubernetes-service-account',
  'kubernetes-pod-name',
  'kubernetes-pod-uid',
] as const;

/**
 * The role-chaining scenario's target role, named rather than generated: a target role is what
 * another account trusts by name, and `lab verify` knows the pod's caller by it.
 */
export const CHAIN_TARGET_ROLE_NAME = 'eks-oidc-demo-chain-target';

/**
 * The most characters a session policy may have: STS's limit on the plaintext of inline and
 * managed session policies (AssumeRole API reference, `Policy`), which an association's Policy
 * is passed on as.
 */
export const SESSION_POLICY_MAX_CHARS = 2048;

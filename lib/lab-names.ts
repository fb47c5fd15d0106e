import { ImdsMode } from './lab-config';

/**
 * Names the lab's stacks, the EKS webhooks and the `lab` CLI must agree on.
 * This module imports nothing heavy, so the CLI reads them without loading the CDK.
 */

/** The service-account annotation the pod-identity webhook reads to inject a role into a pod. */
export const IRSA_ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** The audience STS requires in an IRSA token: the OIDC provider's client id. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** The service principal of the EKS Pod Identity agent's credential exchange. */
export const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';

/** The EKS add-on that runs the Pod Identity agent on every node. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';

/** IMDS hop limit per mode: each container network namespace adds one hop. */
export const IMDS_HOP_LIMIT: Readonly<Record<ImdsMode, number>> = {
  [ImdsMode.OPEN]: 2,
  [ImdsMode.LOCKED]: 1,
};

/** Template metadata key recording the toggles a deploy expects, for `lab verify` and `lab doctor`. */
export const TOGGLES_METADATA_KEY = 'eks-oidc-demo:toggles';

/**
 * The optional stack that lets one GitHub repository run the end-to-end test. It is deployed
 * once by hand and is never part of `cdk deploy --all` or `cdk destroy --all` of the lab.
 */
export const CI_ACCESS_STACK_NAME = 'eks-oidc-demo-ci-access';

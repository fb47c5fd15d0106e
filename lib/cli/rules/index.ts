import { podPredatesConfiguration } from './credentials/pod-predates-configuration';
import { twoMechanisms } from './credentials/two-mechanisms';
import { launchTemplateImds } from './imds/launch-template-imds';
import { nodeImds } from './imds/node-imds';
import { podReachesNodeRole } from './imds/pod-reaches-node-role';
import { annotatedRoleExists } from './irsa/annotated-role-exists';
import { overBroadTrust } from './irsa/over-broad-trust';
import { providerRegistered } from './irsa/provider-registered';
import { trustConditions } from './irsa/trust-conditions';
import { trustNamesProvider } from './irsa/trust-names-provider';
import { agentAddon } from './pod-identity/agent-addon';
import { associationRoleTrust } from './pod-identity/association-role-trust';
import { orphanAssociation } from './pod-identity/orphan-association';
import { sessionPolicy } from './pod-identity/session-policy';
import { sessionTagConditions } from './pod-identity/session-tag-conditions';
import { sessionTagReads } from './pod-identity/session-tag-reads';
import { targetRole } from './pod-identity/target-role';
import { Finding, Rule } from './rule';
import { sdkTooOld } from './sdk/sdk-too-old';
import { keysInEnv } from './static-keys/keys-in-env';
import { keysInSecrets } from './static-keys/keys-in-secrets';
import { ClusterModel } from '../../model/cluster-model';

export { Finding, Rule, Severity, SEVERITY_RANK } from './rule';

/** The one rule set `lab doctor` and `lab audit` run, in the order a reader meets the problems. */
export const RULES: readonly Rule[] = [
  podPredatesConfiguration,
  twoMechanisms,
  annotatedRoleExists,
  trustNamesProvider,
  providerRegistered,
  trustConditions,
  overBroadTrust,
  associationRoleTrust,
  sessionTagConditions,
  targetRole,
  sessionTagReads,
  sessionPolicy,
  orphanAssociation,
  agentAddon,
  nodeImds,
  launchTemplateImds,
  podReachesNodeRole,
  keysInEnv,
  keysInSecrets,
  sdkTooOld,
];

/** Runs every rule over the model. */
export function runRules(model: ClusterModel, rules: readonly Rule[] = RULES): Finding[] {
  return rules.flatMap((rule) => rule.evaluate(model));
}

import { LabToggles, SCENARIOS } from '../../scenarios';
import { ClusterModel, SourceKind } from '../../model/cluster-model';
import { RULES, Rule } from '../rules';
import { Finding as RuleFinding } from '../rules/rule';
import { CLUSTER_SCOPE, FindingList } from './findings';
import { lessonOf } from './lab-lessons';

/**
 * The shared rules whose mistake `lab doctor` still names through a check of its own, in the lab's
 * terms (the scenario, the toggles, the CloudFormation dependency to add). Each entry names that
 * check; the doctor skips the rule so that one mistake is reported once.
 */
export const DOCTOR_OWN_CHECKS: Readonly<Record<string, string>> = {
  EKSIMDS1: "'IMDSv2 required' and 'IMDS hop limit', against the toggles the lab was synthesized with",
  EKSIMDS2: "'IMDSv2 required' and 'IMDS hop limit', against the toggles the lab was synthesized with",
  EKSIRSA3: "'OIDC provider' and 'OIDC provider client id'",
  EKSIRSA4: "'trust sub', 'trust aud' and their keys",
  EKSCRED1: "'pods wait for association' and 'pods wait for service account'",
  EKSKEYS1: "'no static keys'",
  EKSSDK1: "'CLI new enough'",
};

/**
 * The scenario a rule's subject belongs to: the one that runs that pod or owns that namespace, or,
 * for a role, the one whose stack created it (the assembly source names roles after their stack).
 */
function scopeOf(subject: string): string {
  const role = /^role arn:[^:]*:iam::.*?:role\/(.+)$/.exec(subject)?.[1];
  if (role !== undefined) {
    const owners = SCENARIOS.filter((s) => role.startsWith(`${s.stackName}-`));
    return owners.sort((a, b) => b.stackName.length - a.stackName.length)[0]?.id ?? CLUSTER_SCOPE;
  }
  const [, namespace, name] = /^(?:pod|service account) ([^/\s]+)\/(\S+)$/.exec(subject) ?? [];
  if (namespace === undefined) return CLUSTER_SCOPE;
  const inNamespace = SCENARIOS.filter((s) => s.namespace === namespace);
  const running = inNamespace.find((s) => s.s3LsPod === name || s.sleepPod === name || s.probes?.some((p) => p.pod === name));
  return (running ?? inNamespace[0])?.id ?? CLUSTER_SCOPE;
}

function detailOf(finding: RuleFinding): string {
  return finding.message.includes(finding.subject.replace(/^\w[\w ]*? /, '')) ? finding.message : `${finding.subject}: ${finding.message}`;
}

/**
 * Runs the rules `lab audit` runs over the model of the lab, and reports them as doctor checks. A
 * finding the lab makes on purpose passes and names its lesson; any other finding fails.
 */
export function ruleChecks(
  model: ClusterModel,
  toggles: LabToggles | undefined,
  findings: FindingList,
  rules: readonly Rule[] = RULES,
): void {
  // The doctor's own checks read the assembly only: over the deployed lab, every rule runs.
  const skipped = model.source === SourceKind.ASSEMBLY ? DOCTOR_OWN_CHECKS : {};
  for (const rule of rules.filter((r) => skipped[r.id] === undefined)) {
    const found = rule.evaluate(model);
    // The same rule runs over the assembly and over the deployed lab: say which one a check read.
    const check = `${rule.id} ${rule.name}${model.source === SourceKind.DEPLOYED ? ' (deployed)' : ''}`;
    if (found.length === 0) findings.pass(CLUSTER_SCOPE, check, `Nothing found: ${rule.explanation}`);
    for (const finding of found) {
      const lesson = finding.verifiable ? lessonOf(finding, toggles) : undefined;
      if (lesson) findings.pass(scopeOf(finding.subject), check, `${detailOf(finding)} On purpose: ${lesson.why}`);
      else findings.fail(scopeOf(finding.subject), check, detailOf(finding), finding.fix);
    }
  }
}

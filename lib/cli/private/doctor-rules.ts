import { DRILL_OUTCOMES, LabToggles, SCENARIOS } from '../../scenarios';
import { ClusterModel, SourceKind } from '../../model/cluster-model';
import { RULES, Rule } from '../rules';
import { Finding as RuleFinding } from '../rules/rule';
import { CLUSTER_SCOPE, FindingList } from './findings';
import { labHintOf } from './lab-hints';
import { lessonOf } from './lab-lessons';

/**
 * The scenario a finding belongs to: the one that runs its pod or owns its namespace, or, for a
 * role, the one whose stack created it (the assembly source names roles after their stack). A
 * finding about the whole cluster that names a drill belongs to the drill's scenario.
 */
function scopeOf(finding: RuleFinding): string {
  const scope = scopeOfSubject(finding.subject);
  return scope === CLUSTER_SCOPE && finding.drill ? DRILL_OUTCOMES[finding.drill].scenario : scope;
}

function scopeOfSubject(subject: string): string {
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
 * finding the lab makes on purpose passes and names its lesson; any other finding fails, with
 * what the lab adds to the rule's fix (the toggle, the construct, the dependency to add).
 */
export function ruleChecks(
  model: ClusterModel,
  toggles: LabToggles | undefined,
  findings: FindingList,
  rules: readonly Rule[] = RULES,
): void {
  for (const rule of rules) {
    const found = rule.evaluate(model);
    // The same rule runs over the assembly and over the deployed lab: say which one a check read.
    const check = `${rule.id} ${rule.name}${model.source === SourceKind.DEPLOYED ? ' (deployed)' : ''}`;
    if (found.length === 0) findings.pass(CLUSTER_SCOPE, check, `Nothing found: ${rule.explanation}`);
    for (const finding of found) {
      const lesson = finding.verifiable ? lessonOf(finding, toggles) : undefined;
      if (lesson) {
        findings.pass(scopeOf(finding), check, `${detailOf(finding)} On purpose: ${lesson.why}`);
        continue;
      }
      const hint = labHintOf(finding, toggles, model);
      findings.fail(
        scopeOf(finding),
        check,
        [detailOf(finding), hint.detail].filter(Boolean).join(' '),
        [finding.fix, hint.fix].filter(Boolean).join(' '),
      );
    }
  }
}

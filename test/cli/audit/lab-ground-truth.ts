import { lessonOf } from '../../../lib/cli/private/lab-lessons';
import { Finding } from '../../../lib/cli/rules';
import { Drill } from '../../../lib/lab-config';
import { LabToggles, ScenarioId } from '../../../lib/scenarios';

/*
 * What `lab audit` must say about the lab itself, whatever source the model comes from: the
 * synthesized assembly (ground-truth.test.ts) or the cluster the replayed deploy leaves
 * (test/replay/flow-drills.test.ts).
 */

/** The scenarios whose deliberate lessons the healthy lab shows, each found at least once. */
export const HEALTHY_LESSONS: readonly ScenarioId[] = [
  ScenarioId.NODE_ROLE,
  ScenarioId.SECRET_INJECTED,
  ScenarioId.OLD_SDK,
  ScenarioId.PRECEDENCE,
];

/** What each drill breaks, as the audit should name it: rule and subject. */
export const EXPECTED: Record<Drill, readonly string[]> = {
  [Drill.IRSA_AUD_TYPO]: ['EKSIRSA4 service account irsa/eks-iam-test'],
  [Drill.IRSA_CLIENT_ID_TYPO]: ['EKSIRSA3 cluster eks-oidc-demo'],
  [Drill.IRSA_WRONG_NAMESPACE]: ['EKSIRSA4 service account irsa/eks-iam-test'],
  // Without the annotation nothing says the pods were meant to have a role: the audit sees them fall back to the node.
  [Drill.IRSA_NO_ANNOTATION]: ['EKSIMDS3 pod irsa/eks-iam-test3', 'EKSIMDS3 pod irsa/eks-iam-test4'],
  [Drill.IRSA_NO_OIDC_PROVIDER]: ['EKSIRSA2 service account irsa/eks-iam-test', 'EKSIRSA3 cluster eks-oidc-demo'],
  [Drill.POD_IDENTITY_NO_TAG_SESSION]: ['EKSPI1 service account pod-identity/eks-iam-test'],
  [Drill.POD_IDENTITY_PODS_FIRST]: [
    'EKSCRED1 pod pod-identity/eks-iam-test7',
    'EKSCRED1 pod pod-identity/eks-iam-test8',
    'EKSIMDS3 pod pod-identity/eks-iam-test7',
    'EKSIMDS3 pod pod-identity/eks-iam-test8',
  ],
};

/** Each finding as `rule subject`, sorted. */
export const named = (findings: readonly Finding[]): string[] => findings.map((f) => `${f.ruleId} ${f.subject}`).sort();

/** The findings that are not one of the lessons the lab, with these toggles, teaches. */
export const unexpected = (findings: readonly Finding[], toggles: LabToggles | undefined): Finding[] =>
  findings.filter((f) => !lessonOf(f, toggles));

/** The scenarios whose lessons the findings show. */
export const lessonsShown = (findings: readonly Finding[], toggles: LabToggles | undefined): Set<ScenarioId> =>
  new Set(findings.flatMap((f) => lessonOf(f, toggles)?.scenario ?? []));

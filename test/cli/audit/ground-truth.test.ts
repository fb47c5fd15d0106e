import { LabAssembly } from '../../../lib/cli/assembly';
import { lessonOf } from '../../../lib/cli/private/lab-lessons';
import { Finding, runRules } from '../../../lib/cli/rules';
import { modelFromAssembly } from '../../../lib/cli/sources/assembly';
import { Drill } from '../../../lib/lab-config';
import { LabToggles, ScenarioId } from '../../../lib/scenarios';
import { synthLab } from '../support/assembly';

/*
 * Ground truth: the lab itself, synthesized healthy and with each drill, as the deploy would leave
 * the cluster (the assembly source). The audit must find the drill's mistake and nothing else; in
 * the healthy lab it finds only the lessons the scenarios teach on purpose.
 */

/** The audit's findings that are not one of the lessons the lab, with the toggles it was synthesized with, teaches. */
async function findingsOf(drill?: Drill): Promise<{ all: Finding[]; unexpected: Finding[]; toggles?: LabToggles }> {
  const assembly = LabAssembly.read(await synthLab(drill ? { drill } : {}));
  const toggles = assembly.toggles();
  const all = runRules(modelFromAssembly(assembly));
  return { all, unexpected: all.filter((f) => !lessonOf(f, toggles)), toggles };
}

const named = (findings: Finding[]) => findings.map((f) => `${f.ruleId} ${f.subject}`).sort();

/** What each drill breaks, as the audit should name it: rule and subject. */
const EXPECTED: Record<Drill, string[]> = {
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

describe('lab audit against the lab itself', () => {
  test('GIVEN the healthy lab THEN every finding is one of its deliberate lessons, and each lesson is found', async () => {
    const { all, unexpected, toggles } = await findingsOf();
    expect(unexpected).toEqual([]);
    expect(new Set(all.map((f) => lessonOf(f, toggles)?.scenario))).toEqual(
      new Set([ScenarioId.NODE_ROLE, ScenarioId.SECRET_INJECTED, ScenarioId.OLD_SDK, ScenarioId.PRECEDENCE]),
    );
  }, 300_000);

  test.each(Object.values(Drill))(
    'GIVEN drill %s THEN the audit finds exactly its mistake',
    async (drill) => {
      const findings = (await findingsOf(drill)).unexpected;
      expect(named(findings)).toEqual([...EXPECTED[drill]].sort());
      // A finding that names a drill names this one.
      expect(findings.filter((f) => f.drill !== undefined && f.drill !== drill)).toEqual([]);
    },
    300_000,
  );
});

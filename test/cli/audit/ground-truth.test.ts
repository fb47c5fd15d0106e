import { LabAssembly } from '../../../lib/cli/assembly';
import { Finding, runRules } from '../../../lib/cli/rules';
import { modelFromAssembly } from '../../../lib/cli/sources/assembly';
import { Drill } from '../../../lib/lab-config';
import { LabToggles } from '../../../lib/scenarios';
import { synthLab } from '../support/assembly';
import { EXPECTED, HEALTHY_LESSONS, lessonsShown, named, unexpected } from './lab-ground-truth';

/*
 * Ground truth: the lab itself, synthesized healthy and with each drill, as the deploy would leave
 * the cluster (the assembly source). The audit must find the drill's mistake and nothing else; in
 * the healthy lab it finds only the lessons the scenarios teach on purpose.
 */

/** The audit's findings that are not one of the lessons the lab, with the toggles it was synthesized with, teaches. */
async function findingsOf(drill?: Drill): Promise<{ all: Finding[]; others: Finding[]; toggles?: LabToggles }> {
  const assembly = LabAssembly.read(await synthLab(drill ? { drill } : {}));
  const toggles = assembly.toggles();
  const all = runRules(modelFromAssembly(assembly));
  return { all, others: unexpected(all, toggles), toggles };
}

describe('lab audit against the lab itself', () => {
  test('GIVEN the healthy lab THEN every finding is one of its deliberate lessons, and each lesson is found', async () => {
    const { all, others, toggles } = await findingsOf();
    expect(others).toEqual([]);
    expect(lessonsShown(all, toggles)).toEqual(new Set(HEALTHY_LESSONS));
  }, 300_000);

  test.each(Object.values(Drill))(
    'GIVEN drill %s THEN the audit finds exactly its mistake',
    async (drill) => {
      const findings = (await findingsOf(drill)).others;
      expect(named(findings)).toEqual([...EXPECTED[drill]].sort());
      // A finding that names a drill names this one.
      expect(findings.filter((f) => f.drill !== undefined && f.drill !== drill)).toEqual([]);
    },
    300_000,
  );
});

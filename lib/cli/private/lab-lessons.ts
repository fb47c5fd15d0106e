import { ImdsMode } from '../../lab-config';
import { LabToggles, ScenarioId, scenario } from '../../scenarios';
import { Finding } from '../rules/rule';

/** A finding the lab produces on purpose, to teach it: its own scenario shows the mistake. */
export interface Lesson {
  readonly scenario: ScenarioId;
  readonly ruleId: string;
  /** Whether a finding of that rule is this lesson. */
  readonly matches: (finding: Finding, toggles: LabToggles | undefined) => boolean;
  /** What the scenario shows with it. */
  readonly why: string;
}

const podsOf = (id: ScenarioId) => {
  const { namespace, s3LsPod, sleepPod } = scenario(id);
  return [s3LsPod, sleepPod].filter((name): name is string => name !== undefined).map((name) => `pod ${namespace}/${name}`);
};

/**
 * imds=open is the toggle that opens IMDS to pods with hop limit 2, and only that: HttpTokens
 * stays required. leaky and locked are other lessons or none.
 */
const hopLimitUnderImdsOpen = (f: Finding, toggles: LabToggles | undefined) =>
  toggles?.imds === ImdsMode.OPEN && (f.field?.endsWith('HttpPutResponseHopLimit') ?? false);

/**
 * The healthy lab's deliberate lessons. `lab doctor` counts them as passes and names the lesson;
 * any other finding, or one of these outside its scenario, is a failure.
 */
export const LAB_LESSONS: readonly Lesson[] = [
  {
    scenario: ScenarioId.NODE_ROLE,
    ruleId: 'EKSIMDS1',
    matches: (f, toggles) => hopLimitUnderImdsOpen(f, toggles) && f.subject.startsWith('node '),
    why: 'imds=open gives the nodes hop limit 2, so the node-role scenario can show a pod acting as the node role.',
  },
  {
    scenario: ScenarioId.NODE_ROLE,
    ruleId: 'EKSIMDS2',
    matches: (f, toggles) => hopLimitUnderImdsOpen(f, toggles) && f.subject.startsWith('node group '),
    why: "imds=open keeps hop limit 2 in the node group's launch template, for the nodes it launches next.",
  },
  {
    scenario: ScenarioId.NODE_ROLE,
    ruleId: 'EKSIMDS3',
    matches: (f) => [...podsOf(ScenarioId.NODE_ROLE), ...podsOf(ScenarioId.BYSTANDER)].includes(f.subject),
    why: 'The node-role and bystander pods have no role of their own: they show the SDK falling back to the node role.',
  },
  {
    scenario: ScenarioId.NODE_ROLE,
    ruleId: 'EKSIMDS3',
    matches: (f, toggles) => toggles?.imds === ImdsMode.OPEN && f.subject.startsWith('pod kube-system/'),
    why: "imds=open gives every pod without credentials of its own the node role, the add-ons' too (CoreDNS): the node-role lesson, seen from kube-system.",
  },
  {
    scenario: ScenarioId.SECRET_INJECTED,
    ruleId: 'EKSKEYS1',
    matches: (f) => podsOf(ScenarioId.SECRET_INJECTED).includes(f.subject),
    why: 'The secret-injected pods read static keys from a Secret, to show why long-lived keys are the wrong way.',
  },
  {
    scenario: ScenarioId.OLD_SDK,
    ruleId: 'EKSSDK1',
    matches: (f) => f.subject === `pod ${scenario(ScenarioId.OLD_SDK).namespace}/${scenario(ScenarioId.OLD_SDK).s3LsPod}`,
    why: 'The old-sdk scenario runs an AWS CLI too old for Pod Identity, to show it failing.',
  },
  {
    scenario: ScenarioId.PRECEDENCE,
    ruleId: 'EKSCRED2',
    matches: (f) =>
      f.subject === `service account ${scenario(ScenarioId.PRECEDENCE).namespace}/${scenario(ScenarioId.PRECEDENCE).serviceAccount}`,
    why: 'The precedence scenario gives one service account both an annotation and an association, to show Pod Identity winning.',
  },
];

/** The lesson a finding is, if any. */
export function lessonOf(finding: Finding, toggles: LabToggles | undefined): Lesson | undefined {
  return LAB_LESSONS.find((lesson) => lesson.ruleId === finding.ruleId && lesson.matches(finding, toggles));
}

import { lessonOf } from '../../../lib/cli/private/lab-lessons';
import { ImdsMode } from '../../../lib/lab-config';
import { findingOf } from '../support/finding';
import { ScenarioId } from '../../../lib/scenarios';

const finding = findingOf;
const OPEN = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };
const LEAKY = { imds: ImdsMode.LEAKY, nodeRoleS3Access: false };

describe('the lab lessons', () => {
  test.each([
    ['EKSIMDS3', 'pod node-role/eks-iam-test1', ScenarioId.NODE_ROLE],
    ['EKSKEYS1', 'pod secret-injected/eks-iam-test5', ScenarioId.SECRET_INJECTED],
    ['EKSSDK1', 'pod pod-identity/eks-iam-test9', ScenarioId.OLD_SDK],
    ['EKSCRED2', 'service account precedence/eks-iam-test', ScenarioId.PRECEDENCE],
    ['EKSIMDS1', 'node a node of lab', ScenarioId.NODE_ROLE],
    // With imds=open the add-ons' pods reach the node role as the scenario's do.
    ['EKSIMDS3', 'pod kube-system/coredns-5d8f7c9b6-x2k4q', ScenarioId.NODE_ROLE],
  ])('%s on %s is the %s lesson', (ruleId, subject, scenario) => {
    const field = ruleId === 'EKSIMDS1' ? 'MetadataOptions.HttpPutResponseHopLimit' : undefined;
    expect(lessonOf(finding(ruleId, subject, field), OPEN)?.scenario).toBe(scenario);
  });

  test.each([
    // The same mistakes outside the scenarios that teach them are failures.
    ['EKSIMDS3', 'pod irsa/eks-iam-test3'],
    ['EKSKEYS1', 'pod irsa/eks-iam-test3'],
    ['EKSSDK1', 'pod pod-identity/eks-iam-test7'],
    ['EKSCRED2', 'service account pod-identity/eks-iam-test'],
    // A lesson's subject under another rule is no lesson.
    ['EKSIRSA4', 'pod node-role/eks-iam-test1'],
  ])('%s on %s is no lesson', (ruleId, subject) => {
    expect(lessonOf(finding(ruleId, subject), OPEN)).toBeUndefined();
  });

  test('the nodes open to pods are a lesson only under imds=open, the toggle that teaches it', () => {
    const hopLimit = 'launch template lt@1 MetadataOptions.HttpPutResponseHopLimit';
    expect(lessonOf(finding('EKSIMDS2', 'node group lab', hopLimit), OPEN)?.scenario).toBe(ScenarioId.NODE_ROLE);
    expect(lessonOf(finding('EKSIMDS1', 'node a node of lab', 'MetadataOptions.HttpPutResponseHopLimit'), LEAKY)).toBeUndefined();
    expect(lessonOf(finding('EKSIMDS2', 'node group lab', hopLimit), LEAKY)).toBeUndefined();
    expect(lessonOf(finding('EKSIMDS2', 'node group lab', hopLimit), undefined)).toBeUndefined();
    expect(lessonOf(finding('EKSIMDS3', 'pod kube-system/coredns-5d8f7c9b6-x2k4q'), LEAKY)).toBeUndefined();
  });

  test('imds=open opens the hop limit alone: IMDSv1 left open under it is no lesson', () => {
    expect(lessonOf(finding('EKSIMDS1', 'node a node of lab', 'MetadataOptions.HttpTokens'), OPEN)).toBeUndefined();
    expect(lessonOf(finding('EKSIMDS2', 'node group lab', 'launch template lt@1 MetadataOptions.HttpTokens'), OPEN)).toBeUndefined();
  });
});

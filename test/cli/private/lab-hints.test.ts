import { labHintOf } from '../../../lib/cli/private/lab-hints';
import { ImdsMode } from '../../../lib/lab-config';
import { findingOf } from '../support/finding';
import { healthySnapshot, modelOf } from '../rules/support/snapshot';

const model = modelOf(healthySnapshot());
const finding = findingOf;
const toggles = (imds: ImdsMode) => ({ imds, nodeRoleS3Access: false });
const TOKENS = finding('EKSIMDS2', 'node group lab', 'launch template lt@1 MetadataOptions.HttpTokens');
const HOP_LIMIT = finding('EKSIMDS2', 'node group lab', 'launch template lt@1 MetadataOptions.HttpPutResponseHopLimit');
const LOCK = 'In the lab, `npx cdk deploy --all -c imds=locked` sets requireImdsv2 and hop limit 1 on the launch template.';

describe('the lab hints', () => {
  test('an IMDS hole the recorded toggle does not open: the stacks were synthesized with different toggles', () => {
    expect(labHintOf(HOP_LIMIT, toggles(ImdsMode.LOCKED), model)).toEqual({
      detail:
        'The node-role stack was synthesized with imds=locked, which sets HttpTokens required and hop limit 1: the two stacks were synthesized with different toggles.',
      fix: 'Synthesize and deploy both stacks with the same toggle: `npx cdk deploy --all -c imds=locked`.',
    });
    expect(labHintOf(TOKENS, toggles(ImdsMode.OPEN), model).detail).toMatch(/imds=open, which sets HttpTokens required and hop limit 2/);
  });

  test('an IMDS hole the toggle opens, or with no toggles recorded: the toggle that locks it', () => {
    expect(labHintOf(TOKENS, toggles(ImdsMode.LEAKY), model)).toEqual({ fix: LOCK });
    expect(labHintOf(HOP_LIMIT, toggles(ImdsMode.OPEN), model)).toEqual({ fix: LOCK });
    expect(labHintOf(TOKENS, undefined, model)).toEqual({ fix: LOCK });
  });

  test('a pod created before its configuration: the CloudFormation dependency to add', () => {
    expect(labHintOf(finding('EKSCRED1', 'pod shop/api-5c8b'), undefined, model).fix).toMatch(
      /make the pods depend on association a-abcdefghijklmnop1: podsDependOn\(association\)/,
    );
    expect(labHintOf(finding('EKSCRED1', 'pod web/reports-7d9f'), undefined, model).fix).toMatch(
      /make the pods depend on the manifest that creates service account web\/reports \(pods\.node\.addDependency\(identity\)\)/,
    );
    expect(labHintOf(finding('EKSCRED1', 'pod web/gone'), undefined, model)).toEqual({});
  });

  test('the Pod Identity features: how the advanced stack builds each one', () => {
    const sa = 'service account session-policy/eks-iam-test';
    expect(labHintOf({ ...finding('EKSPI4', sa), expected: 'true' }, undefined, model).fix).toMatch(
      /disableSessionTags: true with its policy/,
    );
    expect(labHintOf({ ...finding('EKSPI4', sa), expected: 'a JSON policy document' }, undefined, model).fix).toMatch(/sessionPolicy\(\)/);
    expect(labHintOf(finding('EKSPI3', sa), undefined, model).fix).toMatch(/new iam\.ArnPrincipal\(sourceRole\.roleArn\)/);
    expect(labHintOf({ ...finding('EKSPI7', sa), expected: 'session tags enabled on association a-1' }, undefined, model).fix).toMatch(
      /leave disableSessionTags unset/,
    );
    expect(labHintOf({ ...finding('EKSPI7', sa), expected: 'a tag EKS sets: eks-cluster-arn' }, undefined, model).fix).toMatch(
      /\$\{aws:PrincipalTag\/kubernetes-namespace\}/,
    );
  });

  test('a rule with nothing lab-specific to add gets no hint', () => {
    expect(labHintOf(finding('EKSPI5', 'association a-1'), toggles(ImdsMode.OPEN), model)).toEqual({});
  });
});

import { contextArgs, describeToggles, toggleVariants, trailExpectations } from '../../lib/cli/private/e2e-plan';
import { formatDuration } from '../../lib/cli/private/e2e-report';
import { ImdsMode, parseLabConfig } from '../../lib/lab-config';
import { LabToggles, SCENARIOS, ScenarioId } from '../../lib/scenarios';
import { CDK_JSON_CONTEXT } from '../util';
import { matchingTrail } from './support/fake-e2e';

/** The toggles `cdk deploy --all` uses with cdk.json alone. */
const CDK_JSON: LabToggles = (({ imds, nodeRoleS3Access }) => ({ imds, nodeRoleS3Access }))(parseLabConfig((key) => CDK_JSON_CONTEXT[key]));

describe('the toggles an end-to-end run visits', () => {
  test('after the defaults, every other value of each toggle, one at a time', () => {
    const visited = [CDK_JSON, ...toggleVariants(CDK_JSON)];
    expect(new Set(visited.map((t) => t.imds))).toEqual(new Set(Object.values(ImdsMode)));
    expect(new Set(visited.map((t) => t.nodeRoleS3Access))).toEqual(new Set([false, true]));
    for (const variant of toggleVariants(CDK_JSON)) expect(describeToggles(variant, CDK_JSON)).not.toContain(',');
    expect(new Set(visited.map((t) => JSON.stringify(t))).size).toBe(visited.length);
  });

  test('a new IMDS mode is visited without changing the plan', () => {
    const modes = [...Object.values(ImdsMode), 'strict' as ImdsMode];
    expect(toggleVariants(CDK_JSON, modes).map((t) => t.imds)).toContain('strict');
  });

  test('every deploy names every toggle, so none is inherited from the previous deploy', () => {
    expect(contextArgs({ imds: ImdsMode.LOCKED, nodeRoleS3Access: false })).toEqual(['-c', 'imds=locked', '-c', 'nodeRoleS3Access=false']);
  });
});

describe("the CloudTrail event that proves each scenario's caller", () => {
  test('with the defaults, every scenario whose pod calls AWS has one, and the bystander shares the node role', () => {
    expect(trailExpectations(CDK_JSON).map((e) => [e.scenario, e.caller])).toEqual([
      ['node-role', 'node-role'],
      ['bystander', 'node-role'],
      ['secret-injected', 'iam-user'],
      ['irsa', 'web-identity-role'],
      ['pod-identity', 'pod-identity-role'],
      // old-sdk never reaches AWS: its CLI refuses the agent's address
      ['precedence', 'pod-identity-role'],
    ]);
  });

  test('with IMDS locked, the node-role pods make no call, so nothing is expected of them', () => {
    const expected = trailExpectations({ ...CDK_JSON, imds: ImdsMode.LOCKED }).map((e) => e.scenario);
    expect(expected).toEqual(
      SCENARIOS.filter((s) => !s.probes)
        .map((s) => s.id)
        .filter((id) => !['node-role', 'bystander', 'old-sdk'].includes(id)),
    );
  });

  test.each(trailExpectations(CDK_JSON).map((e) => [e.scenario, e] as const))(
    '%s matches exactly one of the events the scenarios leave',
    (_id, expectation) => {
      expect(matchingTrail().filter(expectation.matches)).toHaveLength(1);
    },
  );

  test.each([
    [
      'an IMDS call of another cluster',
      {
        eventName: 'ListBuckets',
        identityType: 'AssumedRole',
        identity: 'arn:aws:sts::1:assumed-role/other-NodeRole/i-0',
        ec2RoleDelivery: '2.0',
      },
    ],
    [
      'the node role without IMDS',
      { eventName: 'ListBuckets', identityType: 'AssumedRole', identity: 'arn:aws:sts::1:assumed-role/eks-oidc-demo-Node/i-0' },
    ],
    [
      'a web identity for another role',
      { eventName: 'AssumeRoleWithWebIdentity', roleArn: 'arn:aws:iam::1:role/eks-oidc-demo-pod-identity-X' },
    ],
    [
      'a refused web identity exchange for the IRSA role',
      {
        eventName: 'AssumeRoleWithWebIdentity',
        roleArn: 'arn:aws:iam::1:role/eks-oidc-demo-irsa-Role',
        errorCode: 'AccessDenied',
      },
    ],
    [
      'a user of another stack',
      { eventName: 'ListBuckets', identityType: 'IAMUser', identity: 'arn:aws:iam::1:user/eks-oidc-demo-irsa-User' },
    ],
  ])('matches nothing for %s', (_what, event) => {
    const matched = trailExpectations(CDK_JSON).filter((e) =>
      e.matches({ time: '2026-11-26T12:00:00Z', region: 'us-east-2', scenario: ScenarioId.NODE_ROLE, ...event }),
    );
    expect(matched.map((e) => e.scenario)).toEqual([]);
  });
});

test.each([
  [42, '42s'],
  [75, '1m 15s'],
  [1200, '20m 00s'],
  [3725, '1h 02m'],
])('formatDuration(%p) is %p', (seconds, text) => {
  expect(formatDuration(seconds)).toBe(text);
});

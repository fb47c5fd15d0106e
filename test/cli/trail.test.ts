import { GetTemplateCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ExitCode } from '../../lib/cli/errors';
import { TRAIL_EVENT_NAMES, parseDuration, runTrail, scenarioOf } from '../../lib/cli/commands/trail';
import { TOGGLES_METADATA_KEY } from '../../lib/lab-names';
import { ScenarioId } from '../../lib/scenarios';
import {
  LabValues,
  agentCall,
  eksAssumeRole,
  nodeRoleListBuckets as nodeRoleListBucketsCall,
  userListBuckets as userListBucketsCall,
  webIdentityCall,
} from './fixtures/cloudtrail';
import { mockedAws } from './support/aws';
import { CapturedTerminal, fakeClock } from './support/output';

const ACCOUNT = '123456789012';
const NODE_ROLE = `eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6`;
const NODE_ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/${NODE_ROLE}/i-0a1b2c3d4e5f67890`;
const IRSA_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456`;
const POD_IDENTITY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-pod-identity-S3ListRole7B2BAD01-ZyXwVu987654`;
const USER_ARN = `arn:aws:iam::${ACCOUNT}:user/eks-oidc-demo-secret-injected-StaticKeyUser46BD958E-K9L8M7N6`;

// Every CloudTrail record here is a published one (test/cli/fixtures, each with its URL), with the
// lab's names in place of the published ones; what no published record shows is said where it is built.
const LAB_ACCOUNT = '111122223333';
const NODE_ROLE_IN_WORKSHOP = 'platform-eks-node-group-20231128085853957000000011';
const USER = 'eks-oidc-demo-secret-injected-StaticKeyUser46BD958E-K9L8M7N6';
const IRSA_ROLE = 'eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456';

/** The node role's name in the workshop's records, and the lab's node role in its place. */
const asLabNode = (time: string): LabValues => ({ time, replace: [[NODE_ROLE_IN_WORKSHOP, NODE_ROLE]] });
const nodeRoleListBuckets = nodeRoleListBucketsCall(asLabNode('2026-11-26T11:50:09Z'), '2.0');
const userListBuckets = userListBucketsCall({ time: '2026-11-26T11:53:02Z', replace: [['myUserName', USER]] });
/** re:Post's IRSA pod, as the lab's irsa/eks-iam-test assuming its role. */
const asLabIrsa = (time: string, role: string, namespace = 'irsa'): LabValues => ({
  time,
  replace: [
    ['system:serviceaccount:serverless:aws-sdk', `system:serviceaccount:${namespace}:eks-iam-test`],
    ['AccessEC2role', role],
  ],
});
const webIdentity = webIdentityCall(asLabIrsa('2026-11-26T11:52:30Z', IRSA_ROLE), false);
/** The lab's names in the published EKS Pod Identity records, for a pod of `namespace` and a call at `time`. */
function podIdentityRun(time: string, role: string, namespace: string, pod: string): { agent: LabValues; eks: LabValues } {
  const cluster: [string, string] = ['eksworkshop-eksctl', 'eks-oidc-demo'];
  return {
    agent: { time, replace: [cluster, ['platform-eks-node-group-20231128085853957000000011', NODE_ROLE], ['us-west-2', 'us-east-2']] },
    eks: {
      time,
      replace: [
        cluster,
        ['eks-pod-s3-read-access-role', role],
        ['"ns-a"', `"${namespace}"`],
        ['"sa1"', '"eks-iam-test"'],
        ['"app1"', `"${pod}"`],
        ['us-west-2', 'us-east-2'],
      ],
    },
  };
}
const POD_IDENTITY_ROLE = 'eks-oidc-demo-pod-identity-S3ListRole7B2BAD01-ZyXwVu987654';
const PRECEDENCE_ROLE = 'eks-oidc-demo-precedence-PodIdentityRoleE5932633-Q1W2E3R4';
/** One Pod Identity exchange of eks-iam-test7: the agent's call and EKS's AssumeRole, in the same second. */
const podIdentityValues = podIdentityRun('2026-11-26T11:54:10Z', POD_IDENTITY_ROLE, 'pod-identity', 'eks-iam-test7');
const podIdentityAgent = agentCall(podIdentityValues.agent);
const podIdentityAssumeRole = eksAssumeRole(podIdentityValues.eks);
/** Someone else's ListBuckets in the same account: the S3 user guide's record as published. */
const someoneElse = userListBucketsCall({ time: '2026-11-26T11:55:00Z', replace: [] });

const ALL_STACKS = [
  'eks-oidc-demo',
  'eks-oidc-demo-node-role',
  'eks-oidc-demo-secret-injected',
  'eks-oidc-demo-irsa',
  'eks-oidc-demo-pod-identity',
];

/** An account where the given stacks are deployed, with the node-role stack's toggles in its template. */
function deployedAccount(stacks = ALL_STACKS, imds = 'open') {
  const aws = mockedAws();
  aws.mocks.cloudFormation.on(ListStacksCommand).resolves({
    StackSummaries: stacks.map((StackName) => ({ StackName, StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() })),
  });
  aws.mocks.cloudFormation
    .on(GetTemplateCommand)
    .resolves({ TemplateBody: JSON.stringify({ Metadata: { [TOGGLES_METADATA_KEY]: { imds, nodeRoleS3Access: false } }, Resources: {} }) });
  aws.mocks.cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
  aws.mocks.cloudTrailGlobal.on(LookupEventsCommand).resolves({ Events: [] });
  return aws;
}

const byName = (name: string) => ({ LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: name }] });

describe('lab trail', () => {
  test("GIVEN every scenario's event among others WHEN looked up THEN it shows only the lab's principals, from both regions, across pages", async () => {
    // GIVEN: ListBuckets spans two pages in us-east-2; the node role's call went to a global endpoint
    const aws = deployedAccount();
    aws.mocks.cloudTrail
      .on(LookupEventsCommand, byName('ListBuckets'))
      .resolvesOnce({ Events: [someoneElse], NextToken: 'page-2' })
      .resolvesOnce({ Events: [userListBuckets] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleWithWebIdentity')).resolves({ Events: [webIdentity] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [podIdentityAgent] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRole')).resolves({ Events: [podIdentityAssumeRole] });
    aws.mocks.cloudTrailGlobal.on(LookupEventsCommand, byName('ListBuckets')).resolves({ Events: [nodeRoleListBuckets] });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runTrail({ since: '30m' }, { aws: aws.clients, out: terminal.output(), clock: fakeClock() });

    // THEN
    expect(code).toBe(ExitCode.OK);
    const names = (mock: typeof aws.mocks.cloudTrail) =>
      mock.commandCalls(LookupEventsCommand).map((call) => call.args[0].input.LookupAttributes?.[0].AttributeValue);
    expect(names(aws.mocks.cloudTrail)).toEqual([
      'ListBuckets',
      'ListBuckets',
      'AssumeRoleWithWebIdentity',
      'AssumeRoleForPodIdentity',
      'GetCallerIdentity',
      'AssumeRole',
    ]);
    expect(names(aws.mocks.cloudTrailGlobal)).toEqual([
      'ListBuckets',
      'AssumeRoleWithWebIdentity',
      'AssumeRoleForPodIdentity',
      'GetCallerIdentity',
      'AssumeRole',
    ]);

    expect(aws.mocks.cloudTrail.commandCalls(LookupEventsCommand)[1].args[0].input.NextToken).toBe('page-2');
    expect(aws.mocks.cloudTrail.commandCalls(LookupEventsCommand)[0].args[0].input.StartTime).toEqual(new Date('2026-11-26T11:30:00Z'));
    const text = terminal.text;
    expect(text).toContain("CloudTrail in us-east-2 (the lab's region) and us-east-1 (where calls to global endpoints");
    expect(text).not.toContain('aws-cdk-alice');
    expect(text).toContain("1 other event(s) of these names were not the lab's principals");
    expect(text).toMatch(
      /2026-11-26 11:50:09 │ us-east-1 │ ListBuckets\s+│ AssumedRole\s+│ arn:aws:sts::111122223333:assumed-role\/eks-oidc-demo-eksoidc\S*\s+│ AccessDenied/,
    );
    expect(text).toMatch(/AssumeRoleWithWebIdentity\s+│ WebIdentityUser\s+│ system:serviceaccount:irsa:eks-iam-test/);
    expect(text).toContain(`-> arn:aws:iam::${LAB_ACCOUNT}:role/${IRSA_ROLE}`);
    for (const id of ['node-role', 'secret-injected', 'irsa', 'pod-identity']) expect(text).toMatch(new RegExp(`✓ ${id}: `));
    expect(text.indexOf('11:54:10')).toBeLessThan(text.indexOf('11:50:09'));
  });

  test("GIVEN the published Pod Identity records WHEN looked up THEN the role is EKS's AssumeRole's, and the agent's call stays the node role's", async () => {
    // GIVEN: the agent's AssumeRoleForPodIdentity (responseElements null) and EKS's AssumeRole, in one second
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-pod-identity']);
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [podIdentityAgent] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRole')).resolves({ Events: [podIdentityAssumeRole] });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runTrail({}, { aws: aws.clients, out: terminal.output(true), clock: fakeClock() });

    // THEN: pod-identity is found through EKS's AssumeRole ...
    expect(code).toBe(ExitCode.OK);
    const { events, expectations } = terminal.json();
    expect(expectations).toContainEqual(expect.objectContaining({ scenario: ScenarioId.POD_IDENTITY, found: true }));
    expect(events).toContainEqual(
      expect.objectContaining({
        eventName: 'AssumeRole',
        scenario: ScenarioId.POD_IDENTITY,
        identityType: 'AWSService',
        invokedBy: 'pods.eks.amazonaws.com',
        roleArn: `arn:aws:iam::${LAB_ACCOUNT}:role/${POD_IDENTITY_ROLE}`,
      }),
    );
    // ... and the agent's call is the node role's, naming no role of its own, paired with EKS's AssumeRole.
    const agent = events.find((e: { eventName: string }) => e.eventName === 'AssumeRoleForPodIdentity');
    expect(agent).toMatchObject({ scenario: ScenarioId.NODE_ROLE, clusterName: 'eks-oidc-demo' });
    expect(agent.roleArn).toBeUndefined();
    expect(agent.pairedRoleArns).toEqual([`arn:aws:iam::${LAB_ACCOUNT}:role/${POD_IDENTITY_ROLE}`]);

    const human = new CapturedTerminal();
    await runTrail({}, { aws: aws.clients, out: human.output(), clock: fakeClock() });
    expect(human.text).toContain('(the eks-pod-identity-agent, as the node role)');
    expect(human.text).toContain(`-> arn:aws:iam::111122223333:role/${POD_IDENTITY_ROLE} (the AssumeRole EKS made for it)`);
    expect(human.text).toContain('(EKS Pod Identity, for pod pod-identity/eks-iam-test7)');
    expect(human.text).toContain('✓ pod-identity: AssumeRole of the Pod Identity role by pods.eks.amazonaws.com.');
    expect(human.text).not.toContain('IMDS on a node');
  });

  test("fails when only the agent's AssumeRoleForPodIdentity arrived: CloudTrail names no role in it", async () => {
    // GIVEN the published agent call alone: responseElements null, the token hidden
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-pod-identity']);
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [podIdentityAgent] });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runTrail({}, { aws: aws.clients, out: terminal.output(), clock: fakeClock() });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain('(no role logged: see the AssumeRole by pods.eks.amazonaws.com)');
    expect(terminal.text).toContain('✗ pod-identity: AssumeRole of the Pod Identity role by pods.eks.amazonaws.com not found');
  });

  test("pairs the agent's call only with EKS's AssumeRoles of the neighbouring seconds, and says so when several pods asked at once", async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-pod-identity', 'eks-oidc-demo-precedence']);
    // GIVEN: two pods' AssumeRoles in the agent's second and the next, and a third pod's three seconds later
    const precedence = podIdentityRun('2026-11-26T11:54:11Z', PRECEDENCE_ROLE, 'precedence', 'eks-iam-test10');
    const later = podIdentityRun(
      '2026-11-26T11:54:13Z',
      'eks-oidc-demo-pod-identity-advanced-AbacRole-Q1W2E3R4',
      'team-a',
      'eks-iam-team-a-own',
    );
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [podIdentityAgent] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRole')).resolves({
      Events: [eksAssumeRole(later.eks), eksAssumeRole(precedence.eks), eksAssumeRole(podIdentityValues.eks)],
    });
    const terminal = new CapturedTerminal();

    // WHEN
    await runTrail({}, { aws: aws.clients, out: terminal.output(true), clock: fakeClock() });

    // THEN
    const agent = terminal.json().events.find((e: { eventName: string }) => e.eventName === 'AssumeRoleForPodIdentity');
    expect([...agent.pairedRoleArns].sort()).toEqual([
      `arn:aws:iam::${LAB_ACCOUNT}:role/${POD_IDENTITY_ROLE}`,
      `arn:aws:iam::${LAB_ACCOUNT}:role/${PRECEDENCE_ROLE}`,
    ]);
    const human = new CapturedTerminal();
    await runTrail({}, { aws: aws.clients, out: human.output(), clock: fakeClock() });
    expect(human.text).toContain('-> one of arn:aws:iam::111122223333:role/');
    expect(human.text).toContain('(assumed by EKS within a second of it)');
  });

  test("does not pair the agent's call with EKS's AssumeRole for another cluster", async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-pod-identity']);
    const otherCluster: LabValues = {
      ...podIdentityValues.eks,
      replace: podIdentityValues.eks.replace.map(([from, to]) => [from, to === 'eks-oidc-demo' ? 'another-cluster' : to] as const),
    };
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [podIdentityAgent] });
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRole')).resolves({ Events: [eksAssumeRole(otherCluster)] });
    const terminal = new CapturedTerminal();
    await runTrail({}, { aws: aws.clients, out: terminal.output(true), clock: fakeClock() });
    const agent = terminal.json().events.find((e: { eventName: string }) => e.eventName === 'AssumeRoleForPodIdentity');
    expect(agent.pairedRoleArns).toBeUndefined();
  });

  test('paces LookupEvents under two calls per second in each region', async () => {
    const aws = deployedAccount();
    const clock = fakeClock();
    const calls: Record<string, number[]> = { 'us-east-2': [], 'us-east-1': [] };
    aws.mocks.cloudTrail.on(LookupEventsCommand).callsFake(() => {
      calls['us-east-2'].push(clock.now());
      return { Events: [] };
    });
    aws.mocks.cloudTrailGlobal.on(LookupEventsCommand).callsFake(() => {
      calls['us-east-1'].push(clock.now());
      return { Events: [] };
    });

    await runTrail({}, { aws: aws.clients, out: new CapturedTerminal().output(), clock });

    // CloudTrail's documented limit: two LookupEvents per second per account and Region.
    const twoPerSecond = 500;
    for (const times of Object.values(calls)) {
      expect(times).toHaveLength(TRAIL_EVENT_NAMES.length);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(twoPerSecond);
    }
  });

  test('GIVEN --wait WHEN one scenario has its event and another not yet THEN it keeps polling until both have', async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-irsa', 'eks-oidc-demo-pod-identity']);
    let round = 0;
    aws.mocks.cloudTrail.on(LookupEventsCommand).callsFake((input) => {
      const name = input.LookupAttributes[0].AttributeValue;
      if (name === 'ListBuckets') round++;
      if (name === 'AssumeRoleWithWebIdentity') return { Events: [webIdentity] };
      if (name === 'AssumeRoleForPodIdentity' && round >= 3) return { Events: [podIdentityAgent] };
      if (name === 'AssumeRole' && round >= 3) return { Events: [podIdentityAssumeRole] };
      return { Events: [] };
    });
    const clock = fakeClock();

    const code = await runTrail({ wait: true }, { aws: aws.clients, out: new CapturedTerminal().output(), clock });

    expect(code).toBe(ExitCode.OK);
    expect(clock.sleeps.filter((ms) => ms === 30_000)).toHaveLength(2);
  });

  test("fails when only other principals' events arrived, and names the scenario without one", async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-secret-injected']);
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('ListBuckets')).resolves({ Events: [someoneElse] });
    const terminal = new CapturedTerminal();

    const code = await runTrail({ since: '2h' }, { aws: aws.clients, out: terminal.output(), clock: fakeClock() });

    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain("✗ secret-injected: ListBuckets as the lab's IAM user not found since 2026-11-26T10:00:00.000Z.");
    expect(terminal.text).toContain('Use --wait to poll until each deployed scenario has its event.');
  });

  test("fails when IRSA's only AssumeRoleWithWebIdentity was refused, as the published record of a refused exchange shows it", async () => {
    // GIVEN re:Post's refused AssumeRoleWithWebIdentity, as the lab's IRSA pod
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-irsa']);
    const refused = webIdentityCall(asLabIrsa('2026-11-26T11:52:30Z', IRSA_ROLE), true);
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleWithWebIdentity')).resolves({ Events: [refused] });
    const terminal = new CapturedTerminal();
    // WHEN
    const code = await runTrail({}, { aws: aws.clients, out: terminal.output(), clock: fakeClock() });
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toMatch(
      /AssumeRoleWithWebIdentity\s+│ WebIdentityUser\s+│ system:serviceaccount:irsa:eks-iam-test.*│ AccessDenied/,
    );
    expect(terminal.text).toContain('✗ irsa: AssumeRoleWithWebIdentity for the IRSA role not found');
  });

  test('GIVEN imds=locked in the deployed node-role stack THEN node-role expects no event, as its pods had no credentials', async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-node-role'], 'locked');
    const terminal = new CapturedTerminal();
    const code = await runTrail({}, { aws: aws.clients, out: terminal.output(), clock: fakeClock() });
    expect(code).toBe(ExitCode.OK);
    expect(terminal.text).toContain('- node-role: no event expected (imds=locked');
  });

  test('GIVEN imds=leaky THEN node-role needs a ListBuckets delivered by IMDSv1, and an IMDSv2 one does not count', async () => {
    // GIVEN only the IMDSv2 event the open node would leave
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-node-role'], 'leaky');
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('ListBuckets')).resolves({ Events: [nodeRoleListBuckets] });
    const before = new CapturedTerminal();
    // WHEN / THEN
    expect(await runTrail({}, { aws: aws.clients, out: before.output(), clock: fakeClock() })).toBe(ExitCode.CHECK_FAILED);
    expect(before.text).toContain('node-role: ListBuckets as the node role, ec2RoleDelivery 1.0 not found');
    // GIVEN the IMDSv1 event the leaky node leaves
    const v1 = nodeRoleListBucketsCall(asLabNode('2026-11-26T11:58:09Z'), '1.0');
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('ListBuckets')).resolves({ Events: [v1] });
    const after = new CapturedTerminal();
    expect(await runTrail({}, { aws: aws.clients, out: after.output(), clock: fakeClock() })).toBe(ExitCode.OK);
    expect(after.text).toContain('ec2RoleDelivery 1.0 (IMDSv1 on a node: a plain GET, no token: HttpTokens is optional)');
  });

  test("GIVEN the precedence stack THEN it needs EKS's AssumeRole of its Pod Identity role, and an IRSA exchange for it fails the check", async () => {
    const aws = deployedAccount(['eks-oidc-demo', 'eks-oidc-demo-precedence']);
    const run = podIdentityRun('2026-11-26T11:56:10Z', PRECEDENCE_ROLE, 'precedence', 'eks-iam-test10');
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleForPodIdentity')).resolves({ Events: [agentCall(run.agent)] });
    // GIVEN only the agent's call: no role is logged in it, so precedence is not shown yet
    const early = new CapturedTerminal();
    expect(await runTrail({}, { aws: aws.clients, out: early.output(), clock: fakeClock() })).toBe(ExitCode.CHECK_FAILED);
    // GIVEN EKS's AssumeRole of the precedence Pod Identity role too
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRole')).resolves({ Events: [eksAssumeRole(run.eks)] });
    const ok = new CapturedTerminal();
    expect(await runTrail({}, { aws: aws.clients, out: ok.output(), clock: fakeClock() })).toBe(ExitCode.OK);
    expect(ok.text).toContain(
      '✓ precedence: AssumeRole of the precedence Pod Identity role by pods.eks.amazonaws.com, and no AssumeRoleWithWebIdentity.',
    );
    // GIVEN the IRSA role was assumed too: the annotation was not ignored
    // (refused or not, an AssumeRoleWithWebIdentity means the webhook injected IRSA)
    const irsaToo = webIdentityCall(asLabIrsa('2026-11-26T11:56:30Z', 'eks-oidc-demo-precedence-IrsaRoleEF0CCB7B-Q2', 'precedence'), true);
    aws.mocks.cloudTrail.on(LookupEventsCommand, byName('AssumeRoleWithWebIdentity')).resolves({ Events: [irsaToo] });
    const bad = new CapturedTerminal();
    expect(await runTrail({}, { aws: aws.clients, out: bad.output(), clock: fakeClock() })).toBe(ExitCode.CHECK_FAILED);
    expect(bad.text).toContain(
      'precedence: AssumeRole of the precedence Pod Identity role by pods.eks.amazonaws.com, and no AssumeRoleWithWebIdentity not found',
    );
  });

  test('GIVEN --wait WHEN nothing ever arrives THEN it stops at its bound', async () => {
    const aws = deployedAccount();
    const clock = fakeClock();
    const code = await runTrail({ wait: true, waitMinutes: 2 }, { aws: aws.clients, out: new CapturedTerminal().output(), clock });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(clock.sleeps.filter((ms) => ms === 30_000)).toHaveLength(4);
  });

  test('fails when no scenario stack is deployed', async () => {
    const aws = deployedAccount(['eks-oidc-demo']);
    const terminal = new CapturedTerminal();
    expect(await runTrail({}, { aws: aws.clients, out: terminal.output(), clock: fakeClock() })).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain('No scenario stack of eks-oidc-demo is deployed in us-east-2.');
  });

  test.each([
    [NODE_ROLE_ARN, ScenarioId.NODE_ROLE],
    [USER_ARN, ScenarioId.SECRET_INJECTED],
    [IRSA_ROLE_ARN, ScenarioId.IRSA],
    [POD_IDENTITY_ROLE_ARN, ScenarioId.POD_IDENTITY],
    [`arn:aws:sts::${ACCOUNT}:assumed-role/NodeInstanceRole-of-another-cluster/i-0a1b2c3d4e5f67890`, undefined],
    [`arn:aws:iam::${ACCOUNT}:user/alice`, undefined],
  ])('attributes %s to %s', (arn, expected) => {
    expect(scenarioOf(arn)).toBe(expected);
  });

  test('fails on a duration it cannot read', () => {
    expect(() => parseDuration('half an hour')).toThrow(/Invalid duration 'half an hour'.*30m/);
    expect(parseDuration('90s')).toBe(90_000);
  });
});

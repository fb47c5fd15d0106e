import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ExitCode } from '../../lib/cli/errors';
import { parseDuration, runTrail } from '../../lib/cli/trail';
import { mockedAws } from './support/aws';
import { CapturedTerminal, fakeClock } from './support/output';

const NODE_ROLE_ARN =
  'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890';

/** An event as LookupEvents returns it: the record itself is a JSON string. */
function event(name: string, time: string, record: Record<string, unknown>) {
  return {
    EventName: name,
    EventTime: new Date(time),
    CloudTrailEvent: JSON.stringify({ eventVersion: '1.09', eventName: name, eventTime: time, awsRegion: 'us-east-2', ...record }),
  };
}

const listBucketsDenied = event('ListBuckets', '2026-11-26T11:50:09Z', {
  eventSource: 's3.amazonaws.com',
  errorCode: 'AccessDenied',
  userIdentity: { type: 'AssumedRole', arn: NODE_ROLE_ARN, sessionContext: { sessionIssuer: { type: 'Role' }, ec2RoleDelivery: '2.0' } },
});
const webIdentity = event('AssumeRoleWithWebIdentity', '2026-11-26T11:52:30Z', {
  eventSource: 'sts.amazonaws.com',
  userIdentity: {
    type: 'WebIdentityUser',
    principalId:
      'oidc.eks.us-east-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sts.amazonaws.com:system:serviceaccount:irsa:eks-iam-test',
    userName: 'system:serviceaccount:irsa:eks-iam-test',
  },
  requestParameters: { roleArn: 'arn:aws:iam::123456789012:role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456' },
});
const listBucketsOk = event('ListBuckets', '2026-11-26T11:52:31Z', {
  eventSource: 's3.amazonaws.com',
  userIdentity: {
    type: 'AssumedRole',
    arn: 'arn:aws:sts::123456789012:assumed-role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456/botocore-session-1764158400',
  },
});

describe('lab trail', () => {
  test('GIVEN events of the scenarios WHEN looked up THEN it shows time, name, identity type, ARN and error, newest first, across pages', async () => {
    // GIVEN: ListBuckets spans two pages
    const { clients, mocks } = mockedAws();
    mocks.cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    mocks.cloudTrail
      .on(LookupEventsCommand, { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'ListBuckets' }] })
      .resolvesOnce({ Events: [listBucketsOk], NextToken: 'page-2' })
      .resolvesOnce({ Events: [listBucketsDenied] });
    mocks.cloudTrail
      .on(LookupEventsCommand, { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRoleWithWebIdentity' }] })
      .resolves({ Events: [webIdentity] });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runTrail({ since: '30m' }, { cloudTrail: clients.cloudTrail, out: terminal.output(), clock: fakeClock() });

    // THEN
    expect(code).toBe(ExitCode.OK);
    const calls = mocks.cloudTrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
    expect(calls.map((input) => input.LookupAttributes?.[0].AttributeValue)).toEqual([
      'ListBuckets',
      'ListBuckets',
      'AssumeRoleWithWebIdentity',
      'AssumeRoleForPodIdentity',
      'GetCallerIdentity',
      'AssumeRole',
    ]);
    expect(calls[0].StartTime).toEqual(new Date('2026-11-26T11:30:00Z'));
    const text = terminal.text;
    expect(text).toContain('CloudTrail delivers events about 5 minutes after the call');
    expect(text).toMatch(
      /2026-11-26 11:50:09 │ ListBuckets\s+│ AssumedRole\s+│ arn:aws:sts::123456789012:assumed-role\/eks-oidc-demo-eksoidc\S*\s+│ AccessDenied/,
    );
    expect(text).toContain('ec2RoleDelivery 2.0 (IMDS on a node)');
    expect(text).toMatch(/AssumeRoleWithWebIdentity\s+│ WebIdentityUser\s+│ system:serviceaccount:irsa:eks-iam-test/);
    expect(text.indexOf('11:52:31')).toBeLessThan(text.indexOf('11:50:09'));
  });

  test('GIVEN --wait WHEN events arrive on the second look THEN it polls and then shows them', async () => {
    const { clients, mocks } = mockedAws();
    let round = 0;
    mocks.cloudTrail.on(LookupEventsCommand).callsFake((input) => {
      if (input.LookupAttributes[0].AttributeValue === 'ListBuckets') round++;
      return { Events: round > 1 && input.LookupAttributes[0].AttributeValue === 'ListBuckets' ? [listBucketsDenied] : [] };
    });
    const clock = fakeClock();
    const terminal = new CapturedTerminal();

    const code = await runTrail({ wait: true }, { cloudTrail: clients.cloudTrail, out: terminal.output(true), clock });

    expect(code).toBe(ExitCode.OK);
    expect(clock.sleeps).toEqual([30_000]);
    expect(terminal.json().events).toEqual([
      expect.objectContaining({ eventName: 'ListBuckets', errorCode: 'AccessDenied', ec2RoleDelivery: '2.0', identity: NODE_ROLE_ARN }),
    ]);
  });

  test('fails when no event has arrived, and says that they take minutes', async () => {
    const { clients, mocks } = mockedAws();
    mocks.cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const terminal = new CapturedTerminal();
    const code = await runTrail({ since: '2h' }, { cloudTrail: clients.cloudTrail, out: terminal.output(), clock: fakeClock() });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain('Use --wait to poll until they arrive.');
    expect(terminal.text).toContain('No events since 2026-11-26T10:00:00.000Z');
  });

  test('GIVEN --wait WHEN nothing ever arrives THEN it stops at its bound', async () => {
    const { clients, mocks } = mockedAws();
    mocks.cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
    const clock = fakeClock();
    const code = await runTrail(
      { wait: true, waitMinutes: 2 },
      { cloudTrail: clients.cloudTrail, out: new CapturedTerminal().output(), clock },
    );
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(clock.sleeps).toEqual([30_000, 30_000, 30_000, 30_000]);
  });

  test('fails on a duration it cannot read', () => {
    expect(() => parseDuration('half an hour')).toThrow(/Invalid duration 'half an hour'.*30m/);
    expect(parseDuration('90s')).toBe(90_000);
  });
});

import { GetTemplateCommand, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { ExitCode } from '../../lib/cli/errors';
import { TrailEvent, roleChains, runTrail } from '../../lib/cli/commands/trail';
import { CHAIN_TARGET_ROLE_NAME, TOGGLES_METADATA_KEY } from '../../lib/lab-names';
import { ScenarioId } from '../../lib/scenarios';
import { LabValues, LookupEvent, eksAssumeRole, eksAssumeRoleSession, targetRoleAssumption } from './fixtures/cloudtrail';
import { mockedAws } from './support/aws';
import { CapturedTerminal, fakeClock } from './support/output';

const SOURCE_ROLE = 'eks-oidc-demo-pod-identity-advanced-ChainSourceRol-Q1w2E3r4T5y6';
const TARGET_ROLE_ARN = `arn:aws:iam::111122223333:role/${CHAIN_TARGET_ROLE_NAME}`;

/** eks-iam-chain-ls's first assumption: the published EKS AssumeRole, with the lab's names. */
const FIRST: LabValues = {
  time: '2026-11-26T12:04:11Z',
  replace: [
    ['eksworkshop-eksctl', 'eks-oidc-demo'],
    ['eks-pod-s3-read-access-role', SOURCE_ROLE],
    ['"ns-a"', '"role-chaining"'],
    ['"sa1"', '"eks-iam-test"'],
    ['"app1"', '"eks-iam-chain-ls"'],
    ['us-west-2', 'us-east-2'],
  ],
};

/**
 * LookupEvents results for EventName=AssumeRole after eks-iam-chain-ls ran, oldest first: EKS's
 * AssumeRole of the association's role, then the target role's with that session, then another
 * application's role assumption (the published record as it is), which lab trail must leave out.
 */
function fixture(): LookupEvent[] {
  return [
    eksAssumeRole(FIRST),
    targetRoleAssumption('2026-11-26T12:04:12Z', eksAssumeRoleSession(FIRST), TARGET_ROLE_ARN),
    eksAssumeRole({ time: '2026-11-26T12:05:00Z', replace: [] }),
  ];
}

async function trailOf(events: LookupEvent[], json = false) {
  const { clients, mocks } = mockedAws();
  mocks.cloudFormation.on(ListStacksCommand).resolves({
    StackSummaries: [{ StackName: 'eks-oidc-demo-pod-identity-advanced', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
  });
  mocks.cloudFormation.on(GetTemplateCommand).resolves({ TemplateBody: JSON.stringify({ Metadata: { [TOGGLES_METADATA_KEY]: {} } }) });
  mocks.cloudTrailGlobal.on(LookupEventsCommand).resolves({ Events: [] });
  mocks.cloudTrail.on(LookupEventsCommand).resolves({ Events: [] });
  mocks.cloudTrail
    .on(LookupEventsCommand, { LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'AssumeRole' }] })
    // Newest first, as LookupEvents returns them.
    .resolves({ Events: [...events].reverse() });
  const terminal = new CapturedTerminal();
  const code = await runTrail({ since: '30m' }, { aws: clients, out: terminal.output(json), clock: fakeClock() });
  return { code, terminal };
}

describe('lab trail: role chaining', () => {
  test('GIVEN the CloudTrail records of a chained assumption WHEN looked up THEN both assumptions show, in order, and nothing else', async () => {
    // WHEN
    const { code, terminal } = await trailOf(fixture());

    // THEN
    expect(code).toBe(ExitCode.OK);
    const text = terminal.text;
    // EKS assumes the association's role first, as the service ...
    expect(text).toMatch(/2026-11-26 12:04:11 │ us-east-2 │ AssumeRole\s+│ AWSService\s+│ pods\.eks\.amazonaws\.com/);
    // ... then the target role, as the session it just created.
    expect(text).toMatch(
      new RegExp(
        `2026-11-26 12:04:12 │ us-east-2 │ AssumeRole\\s+│ AssumedRole\\s+│ arn:aws:sts::111122223333:assumed-role/${SOURCE_ROLE.slice(0, 30)}`,
      ),
    );
    expect(text).toContain(`Role chains, each assumption in the order it happened:`);
    expect(text).toContain(`  pods.eks.amazonaws.com -> ${SOURCE_ROLE} -> ${CHAIN_TARGET_ROLE_NAME}`);
    expect(text.indexOf(`12:04:11 AssumeRole ${SOURCE_ROLE}`)).toBeLessThan(text.indexOf(`12:04:12 AssumeRole ${CHAIN_TARGET_ROLE_NAME}`));
    // Another application's role assumption is not the lab's.
    expect(text).not.toContain('eks-pod-s3-read-access-role');
  });

  test('the JSON result carries the chain, oldest assumption first', async () => {
    const { terminal } = await trailOf(fixture(), true);
    const { chains, events } = terminal.json();
    expect(events).toHaveLength(2);
    expect(chains).toHaveLength(1);
    expect(chains[0].map((e: TrailEvent) => [e.identityType, e.roleArn?.split('/').pop()])).toEqual([
      ['AWSService', SOURCE_ROLE],
      ['AssumedRole', CHAIN_TARGET_ROLE_NAME],
    ]);
  });

  test('GIVEN only the first assumption arrived so far WHEN looked up THEN no chain is claimed', async () => {
    const { terminal } = await trailOf(fixture().slice(0, 1));
    expect(terminal.text).toContain('pods.eks.amazonaws.com');
    expect(terminal.text).not.toContain('Role chains');
  });

  test('a second assumption by another session of the same role is not chained to the first', () => {
    // GIVEN the target role was assumed by a session the first event did not create
    const [first, second] = fixture().map((e) => JSON.parse(e.CloudTrailEvent));
    const toEvent = (record: any, time: string): TrailEvent => ({
      time,
      region: 'us-east-2',
      scenario: ScenarioId.ROLE_CHAINING,
      eventName: 'AssumeRole',
      identityType: record.userIdentity.type,
      identity: record.userIdentity.arn ?? record.userIdentity.invokedBy,
      roleArn: record.requestParameters.roleArn,
      roleSessionName: record.requestParameters.roleSessionName,
      invokedBy: record.userIdentity.invokedBy,
    });
    const stranger = toEvent(
      { ...second, userIdentity: { ...second.userIdentity, arn: second.userIdentity.arn.replace(/\/eks-[^/]+$/, '/someone-else') } },
      '2026-11-26T12:04:12.000Z',
    );
    // WHEN / THEN
    expect(roleChains([toEvent(first, '2026-11-26T12:04:11.000Z'), stranger])).toEqual([]);
    expect(roleChains([toEvent(first, '2026-11-26T12:04:11.000Z'), toEvent(second, '2026-11-26T12:04:12.000Z')])).toHaveLength(1);
  });
});

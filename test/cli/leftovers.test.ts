import { ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, ListClustersCommand } from '@aws-sdk/client-eks';
import {
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';
import { DescribeKeyCommand, KeyManagerType, KeyState, ListKeysCommand } from '@aws-sdk/client-kms';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ExitCode } from '../../lib/cli/errors';
import { LeftoverKind, runLeftovers } from '../../lib/cli/commands/leftovers';
import { mockedAws } from './support/aws';
import { CapturedTerminal } from './support/output';

const PROVIDER = (id: string) => `arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/${id}`;

/** An account where `cdk destroy --all` left nothing. */
function cleanAccount() {
  const aws = mockedAws();
  const { mocks } = aws;
  mocks.cloudFormation
    .on(ListStacksCommand)
    .resolves({ StackSummaries: [{ StackName: 'other-app', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }] });
  mocks.eks.on(ListClustersCommand).resolves({ clusters: ['other-cluster'] });
  mocks.eks.on(DescribeClusterCommand).resolves({
    cluster: {
      name: 'other-cluster',
      status: 'ACTIVE',
      identity: { oidc: { issuer: `https://oidc.eks.us-east-2.amazonaws.com/id/OTHER` } },
    },
  });
  mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({ OpenIDConnectProviderList: [{ Arn: PROVIDER('OTHER') }] });
  mocks.iam.on(GetOpenIDConnectProviderCommand).resolves({ ClientIDList: ['sts.amazonaws.com'], Tags: [] });
  mocks.iam.on(ListRolesCommand).resolves({ Roles: [] });
  mocks.iam.on(ListUsersCommand).resolves({ Users: [] });
  mocks.ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
  mocks.ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  mocks.ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
  mocks.secretsManager.on(ListSecretsCommand).resolves({ SecretList: [] });
  mocks.logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
  mocks.kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: 'other-key' }], Truncated: false });
  mocks.kms.on(DescribeKeyCommand).resolves({
    KeyMetadata: { KeyId: 'other-key', KeyManager: 'CUSTOMER', KeyState: 'Enabled', Description: 'Key for something else' },
  });
  mocks.s3.on(ListBucketsCommand).resolves({ Buckets: [] });
  return aws;
}

const LAB_KEY = '1234abcd-12ab-34cd-56ef-1234567890ab';
const labKey = (state: KeyState, deletionDate?: Date) => ({
  KeyMetadata: {
    KeyId: LAB_KEY,
    KeyManager: KeyManagerType.CUSTOMER,
    KeyState: state,
    DeletionDate: deletionDate,
    Description: "Key for EKS Cluster 'eks-oidc-demo'",
  },
});

const role = (name: string) => ({
  RoleName: name,
  Arn: `arn:aws:iam::123456789012:role/${name}`,
  Path: '/',
  RoleId: 'AROAEXAMPLE',
  CreateDate: new Date(),
});

describe('lab leftovers', () => {
  test('GIVEN nothing of the lab in the account WHEN checked THEN it says so and exits 0', async () => {
    const { clients } = cleanAccount();
    const terminal = new CapturedTerminal();
    const code = await runLeftovers({ aws: clients, out: terminal.output() });
    expect(code).toBe(ExitCode.OK);
    expect(terminal.text).toContain('✓ Nothing of eks-oidc-demo is left in us-east-2');
  });

  test('fails and lists what is left, reading the second page of every paged call', async () => {
    // GIVEN: every list call answers two pages, and what belongs to the lab is on the second
    const { clients, mocks } = cleanAccount();
    mocks.cloudFormation
      .on(ListStacksCommand)
      .resolvesOnce({ StackSummaries: [], NextToken: 'p2' })
      .resolves({ StackSummaries: [{ StackName: 'eks-oidc-demo-irsa', StackStatus: 'DELETE_FAILED', CreationTime: new Date() }] });
    mocks.eks
      .on(ListClustersCommand)
      .resolvesOnce({ clusters: ['other-cluster'], nextToken: 'p2' })
      .resolves({ clusters: ['eks-oidc-demo'] });
    mocks.eks.on(DescribeClusterCommand, { name: 'eks-oidc-demo' }).resolves({
      cluster: {
        name: 'eks-oidc-demo',
        status: 'DELETING',
        identity: { oidc: { issuer: 'https://oidc.eks.us-east-2.amazonaws.com/id/LAB' } },
      },
    });
    mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [
        { Arn: PROVIDER('OTHER') },
        { Arn: PROVIDER('ORPHAN') },
        { Arn: PROVIDER('TAGGED') },
        { Arn: PROVIDER('LAB') },
      ],
    });
    mocks.iam
      .on(GetOpenIDConnectProviderCommand, { OpenIDConnectProviderArn: PROVIDER('TAGGED') })
      .resolves({ Tags: [{ Key: 'aws:cloudformation:stack-name', Value: 'eks-oidc-demo-irsa' }] });
    mocks.iam
      .on(ListRolesCommand)
      .resolvesOnce({ Roles: [role('unrelated')], IsTruncated: true, Marker: 'm1' })
      .resolves({ Roles: [role('eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456')], IsTruncated: false });
    const user = {
      UserName: 'eks-oidc-demo-secret-injected-StaticKeyUser-XYZ',
      Arn: 'arn:aws:iam::123456789012:user/x',
      Path: '/',
      UserId: 'AIDA',
      CreateDate: new Date(),
    };
    mocks.iam
      .on(ListUsersCommand)
      .resolvesOnce({ Users: [], IsTruncated: true, Marker: 'm1' })
      .resolves({ Users: [user], IsTruncated: false });
    mocks.ec2
      .on(DescribeVpcsCommand, { Filters: [{ Name: 'tag:Name', Values: ['*eks-oidc-demo*'] }] })
      .resolvesOnce({ Vpcs: [], NextToken: 'p2' })
      .resolves({ Vpcs: [{ VpcId: 'vpc-0123456789abcdef0' }] });
    mocks.ec2
      .on(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }] })
      .resolvesOnce({ NetworkInterfaces: [], NextToken: 'p2' })
      .resolves({
        NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0abc', Status: 'available', Description: 'aws-K8S-i-0a1b2c3d4e5f67890' }],
      });
    mocks.ec2
      .on(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }] })
      .resolvesOnce({ SecurityGroups: [{ GroupId: 'sg-default', GroupName: 'default', VpcId: 'vpc-0123456789abcdef0' }], NextToken: 'p2' })
      .resolves({
        SecurityGroups: [{ GroupId: 'sg-0cluster', GroupName: 'eks-cluster-sg-eks-oidc-demo-1234', VpcId: 'vpc-0123456789abcdef0' }],
      });
    mocks.secretsManager
      .on(ListSecretsCommand, { Filters: [{ Key: 'tag-value', Values: ['eks-oidc-demo'] }] })
      .resolvesOnce({ SecretList: [], NextToken: 'p2' })
      .resolves({
        SecretList: [
          {
            Name: 'StaticKeys624D8D51-AbCd',
            ARN: 'arn:aws:secretsmanager:us-east-2:123456789012:secret:StaticKeys',
            DeletedDate: new Date('2026-11-26T12:00:00Z'),
          },
        ],
      });
    mocks.logs
      .on(DescribeLogGroupsCommand, { logGroupNamePrefix: '/aws/lambda/eks-oidc-demo' })
      .resolvesOnce({ logGroups: [], nextToken: 'p2' })
      .resolves({ logGroups: [{ logGroupName: '/aws/lambda/eks-oidc-demo-irsa-CfnUtils', storedBytes: 1024 }] });
    mocks.kms
      .on(ListKeysCommand)
      .resolvesOnce({ Keys: [{ KeyId: 'other-key' }], Truncated: true, NextMarker: 'k2' })
      .resolves({ Keys: [{ KeyId: LAB_KEY }], Truncated: false });
    mocks.kms.on(DescribeKeyCommand, { KeyId: LAB_KEY }).resolves(labKey(KeyState.Enabled));
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runLeftovers({ aws: clients, out: terminal.output(true) });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const found = terminal.json().leftovers.map((l: { kind: string; id: string }) => `${l.kind}: ${l.id}`);
    expect(found.sort()).toEqual(
      [
        `${LeftoverKind.STACK}: eks-oidc-demo-irsa`,
        `${LeftoverKind.EKS_CLUSTER}: eks-oidc-demo`,
        `${LeftoverKind.OIDC_PROVIDER}: ${PROVIDER('ORPHAN')}`,
        `${LeftoverKind.OIDC_PROVIDER}: ${PROVIDER('TAGGED')}`,
        `${LeftoverKind.IAM_ROLE}: eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456`,
        `${LeftoverKind.IAM_USER}: eks-oidc-demo-secret-injected-StaticKeyUser-XYZ`,
        `${LeftoverKind.VPC}: vpc-0123456789abcdef0`,
        `${LeftoverKind.NETWORK_INTERFACE}: eni-0abc`,
        `${LeftoverKind.SECURITY_GROUP}: sg-0cluster`,
        `${LeftoverKind.SECRET}: StaticKeys624D8D51-AbCd`,
        `${LeftoverKind.KMS_KEY}: ${LAB_KEY}`,
        `${LeftoverKind.LOG_GROUP}: /aws/lambda/eks-oidc-demo-irsa-CfnUtils`,
      ].sort(),
    );
    // Only stacks that still exist are asked for.
    expect(mocks.cloudFormation.commandCalls(ListStacksCommand)[0].args[0].input.StackStatusFilter).not.toContain('DELETE_COMPLETE');
    // Every page after the first was asked for with the token of the one before.
    expect(mocks.eks.commandCalls(ListClustersCommand)[1].args[0].input.nextToken).toBe('p2');
    expect(mocks.kms.commandCalls(ListKeysCommand)[1].args[0].input.Marker).toBe('k2');
  });

  test('GIVEN a leftover EKS cluster WHEN checked THEN it is named with its status and the command fails', async () => {
    const { clients, mocks } = cleanAccount();
    mocks.eks.on(ListClustersCommand).resolves({ clusters: ['eks-oidc-demo'] });
    mocks.eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'eks-oidc-demo', status: 'ACTIVE' } });
    const terminal = new CapturedTerminal();
    expect(await runLeftovers({ aws: clients, out: terminal.output() })).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toMatch(/│ EKS cluster\s+│ eks-oidc-demo\s+│ ACTIVE\s+│/);
  });

  test('GIVEN the lab KMS key pending deletion WHEN checked THEN it is reported as pending with its date, and nothing fails', async () => {
    const { clients, mocks } = cleanAccount();
    mocks.kms.on(ListKeysCommand).resolves({ Keys: [{ KeyId: LAB_KEY }] });
    mocks.kms.on(DescribeKeyCommand).resolves(labKey(KeyState.PendingDeletion, new Date('2026-12-03T12:00:00Z')));
    const terminal = new CapturedTerminal();

    const code = await runLeftovers({ aws: clients, out: terminal.output() });

    expect(code).toBe(ExitCode.OK);
    expect(terminal.text).toContain(
      `- KMS key ${LAB_KEY} is pending deletion, deleted on 2026-12-03T12:00:00.000Z: it goes by itself, nothing to do.`,
    );
    expect(terminal.text).toContain('✓ Nothing of eks-oidc-demo is left in us-east-2 but what is pending deletion');
  });

  test('GIVEN only the CI access stack, its role and the GitHub OIDC provider WHEN checked THEN nothing is left: that stack stays on purpose', async () => {
    const { clients, mocks } = cleanAccount();
    mocks.cloudFormation.on(ListStacksCommand).resolves({
      StackSummaries: [{ StackName: 'eks-oidc-demo-ci-access', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    mocks.iam.on(ListRolesCommand).resolves({ Roles: [role('eks-oidc-demo-ci-access-E2eRole2A07F204-AbCdEf123456')] });
    mocks.iam.on(ListOpenIDConnectProvidersCommand).resolves({
      OpenIDConnectProviderList: [{ Arn: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com' }],
    });
    const terminal = new CapturedTerminal();
    expect(await runLeftovers({ aws: clients, out: terminal.output(true) })).toBe(ExitCode.OK);
    expect(terminal.json().leftovers).toEqual([]);
  });

  test('still reports a lab stack whose name only starts like the CI access stack', async () => {
    const { clients, mocks } = cleanAccount();
    mocks.cloudFormation.on(ListStacksCommand).resolves({
      StackSummaries: [{ StackName: 'eks-oidc-demo-ci-accessory', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date() }],
    });
    const terminal = new CapturedTerminal();
    expect(await runLeftovers({ aws: clients, out: terminal.output(true) })).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.json().leftovers.map((l: { id: string }) => l.id)).toEqual(['eks-oidc-demo-ci-accessory']);
  });
});

describe('lab leftovers: the lab bucket', () => {
  test('GIVEN the lab bucket survived WHEN checked THEN it is listed, having asked S3 for the lab prefix in its region on every page', async () => {
    // GIVEN two pages of buckets: one of another app, then the lab's
    const { clients, mocks } = cleanAccount();
    mocks.s3
      .on(ListBucketsCommand)
      .resolvesOnce({ Buckets: [{ Name: 'eks-oidc-demo-other-thing-notthelab', BucketRegion: 'us-east-2' }], ContinuationToken: 'page-2' })
      .resolvesOnce({
        Buckets: [
          { Name: 'eks-oidc-demo-pod-identity-advan-labbucket55321a04-q1w2e3r4t5y6', CreationDate: new Date('2026-11-26T11:00:00Z') },
        ],
      });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runLeftovers({ aws: clients, out: terminal.output(true) });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const buckets = terminal.json().leftovers.filter((l: { kind: string }) => l.kind === LeftoverKind.BUCKET);
    expect(buckets.map((b: { id: string }) => b.id)).toEqual([
      'eks-oidc-demo-other-thing-notthelab',
      'eks-oidc-demo-pod-identity-advan-labbucket55321a04-q1w2e3r4t5y6',
    ]);
    expect(buckets[1].detail).toContain('CloudFormation deletes only an empty bucket');
    const calls = mocks.s3.commandCalls(ListBucketsCommand).map((call) => call.args[0].input);
    // The paginator reuses one input object, so every recorded call shows the last token.
    expect(calls).toEqual([
      expect.objectContaining({ Prefix: 'eks-oidc-demo', BucketRegion: 'us-east-2' }),
      expect.objectContaining({ Prefix: 'eks-oidc-demo', BucketRegion: 'us-east-2', ContinuationToken: 'page-2' }),
    ]);
  });
});

import { DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  ListAddonsCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
} from '@aws-sdk/client-eks';
import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient, ListOpenIDConnectProvidersCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { policyActions } from '../../../lib/cli/commands/audit/audit-policy';
import { Output } from '../../../lib/cli/output';
import { collectLive } from '../../../lib/cli/sources/live';
import { modelFromSnapshot } from '../../../lib/cli/sources/snapshot';
import { healthySnapshot, PROVIDER_ARN } from '../rules/support/snapshot';
import { CapturedTerminal } from '../support/output';

/*
 * The answers below are the healthy hand-made snapshot's documents, shaped as each API reference's
 * response syntax; none is a recorded response, and the tests assert only what the collection
 * does with them (which calls, which files, what a denial leaves).
 */
function mocks() {
  const snapshot = healthySnapshot();
  const eks = mockClient(EKSClient);
  const iam = mockClient(IAMClient);
  const ec2 = mockClient(EC2Client);
  eks.on(DescribeClusterCommand).resolves(snapshot.cluster);
  eks.on(ListNodegroupsCommand).resolves({ nodegroups: ['ng-1'] });
  eks.on(DescribeNodegroupCommand).resolves({ nodegroup: snapshot.nodeGroups[0] });
  eks.on(ListAddonsCommand).resolves(snapshot.addons);
  eks.on(ListPodIdentityAssociationsCommand).resolves({ associations: [{ associationId: 'a-abcdefghijklmnop1' }] });
  eks.on(DescribePodIdentityAssociationCommand).resolves({ association: snapshot.associations[0] });
  iam.on(GetRoleCommand).callsFake((input: { RoleName: string }) => ({
    Role: snapshot.roles.find((r: { RoleName: string }) => r.RoleName === input.RoleName),
  }));
  iam.on(ListOpenIDConnectProvidersCommand).resolves({
    OpenIDConnectProviderList: [
      { Arn: PROVIDER_ARN },
      { Arn: 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com' },
    ],
  });
  iam.on(GetOpenIDConnectProviderCommand).resolves(snapshot.providers[PROVIDER_ARN]);
  ec2.on(DescribeLaunchTemplateVersionsCommand).resolves({ LaunchTemplateVersions: snapshot.launchTemplates });
  ec2.on(DescribeInstancesCommand).resolves(snapshot.instances);
  const kubeList = async (path: string) => {
    const answer = { '/api/v1/serviceaccounts': snapshot.serviceAccounts, '/api/v1/pods': snapshot.pods, '/api/v1/nodes': snapshot.nodes }[
      path
    ];
    if (!answer) throw new Error(`the fake answers no ${path}`);
    return answer;
  };
  return { eks, iam, ec2, clients: { eks: new EKSClient({}), iam: new IAMClient({}), ec2: new EC2Client({}), kubeList } };
}

const quiet = () => new Output(new CapturedTerminal(), true);

describe('collectLive', () => {
  afterEach(() => jest.restoreAllMocks());

  test('every AWS call the audit makes is in the read-only policy it prints', async () => {
    const { eks, iam, ec2, clients } = mocks();
    const documents = await collectLive(clients, 'shop', { includeSecrets: false, out: quiet() });
    const called = [eks, iam, ec2].flatMap((mock, i) =>
      mock.calls().map((call) => `${['eks', 'iam', 'ec2'][i]}:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`),
    );
    expect(new Set(called).size).toBeGreaterThanOrEqual(11);
    expect(called.filter((action) => !policyActions().includes(action))).toEqual([]);
    // Only the issuer's provider is read, not every provider of the account.
    expect(iam.commandCalls(GetOpenIDConnectProviderCommand)).toHaveLength(1);
    expect(modelFromSnapshot(documents).missing).toEqual({ secrets: 'secrets.json is not in the snapshot' });
  });

  test('a denied call is reported as not verifiable, and the collection goes on', async () => {
    const { iam, clients } = mocks();
    iam.on(GetRoleCommand).rejects(
      Object.assign(new Error('User: arn:aws:iam::111122223333:user/auditor is not authorized to perform: iam:GetRole'), {
        name: 'AccessDenied',
      }),
    );
    const documents = await collectLive(clients, 'shop', { includeSecrets: false, out: quiet() });
    // One denial per role: the IRSA role and the Pod Identity role.
    expect(documents.notVerifiable).toEqual([
      expect.objectContaining({ file: 'roles', action: 'iam:GetRole' }),
      expect.objectContaining({ file: 'roles', action: 'iam:GetRole' }),
    ]);
    expect(documents.instances).toBeDefined();
    expect(modelFromSnapshot(documents).missing.roles).toBe('iam:GetRole denied');
  });
});

import { runDoctor } from '../../lib/cli/commands/doctor';
import { ExitCode } from '../../lib/cli/errors';
import { LAB_PODS_RESOURCE_TYPE } from '../../lib/lab-names';
import { mockedAws } from './support/aws';
import { copyAssembly, editTemplate, removeStack, synthLab } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal } from './support/output';
import { deployFeaturePods, deployedAssociations, mockAssociations } from './support/pod-identity-features';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';

const ADVANCED = 'eks-oidc-demo-pod-identity-advanced';

let synthesized: string;
beforeAll(async () => {
  synthesized = await synthLab();
}, 60_000);

interface Failed {
  scope: string;
  check: string;
  detail: string;
  fix: string;
}

async function doctorOffline(dir: string): Promise<{ code: ExitCode; text: string; failed: Failed[] }> {
  const unused = () => {
    throw new Error('offline doctor must not reach AWS or the cluster');
  };
  const human = new CapturedTerminal();
  const code = await runDoctor({ assembly: dir, offline: true, verbose: true }, { out: human.output(), aws: unused, kube: unused });
  const json = new CapturedTerminal();
  await runDoctor({ assembly: dir, offline: true }, { out: json.output(true), aws: unused, kube: unused });
  return { code, text: human.text, failed: json.json().findings.filter((f: { ok: boolean }) => !f.ok) };
}

/** The one resource of the advanced stack whose logical id is `name`, with or without CDK's hash. */
function resource(template: any, name: string): any {
  const ids = Object.keys(template.Resources).filter((id) => new RegExp(`^${name}([0-9A-F]{8})?$`).test(id));
  if (ids.length !== 1)
    throw new Error(`expected one resource ${name}, found ${ids.join(', ') || 'none'}: the fixture no longer matches the stack`);
  return template.Resources[ids[0]];
}

/** The target role trusts the whole account, as `arn:aws:iam::<account>:root`, instead of the association's role. */
function trustAccountRoot(template: any): void {
  resource(template, 'ChainTargetRole').Properties.AssumeRolePolicyDocument.Statement[0].Principal = {
    AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':root']] },
  };
}

/** The association's role loses its identity policy's sts:AssumeRole on the target role. */
function withoutAssumePermission(template: any): void {
  resource(template, 'ChainSourceRoleDefaultPolicy').Properties.PolicyDocument.Statement[0].Action = 'sts:TagSession';
}

function broken(edit: (template: any) => void): string {
  const dir = copyAssembly(synthesized);
  editTemplate(dir, ADVANCED, (template) => {
    edit(template);
    return template;
  });
  return dir;
}

describe('lab doctor --offline: EKS Pod Identity features', () => {
  test('GIVEN the synthesized lab WHEN checked THEN the session policy, target role and session tag rules pass', async () => {
    const { code, text, failed } = await doctorOffline(synthesized);
    expect(failed).toEqual([]);
    expect(code).toBe(ExitCode.OK);
    expect(text).toMatch(
      /✓ \[session-policy\] session policy: SessionPolicyAssociation narrows SessionPolicyRole\w+ to s3:ListAllMyBuckets \(\d+ of 2048 characters\), with session tags disabled\./,
    );
    expect(text).toMatch(
      /✓ \[role-chaining\] target role trust: ChainAssociation: EKS assumes ChainSourceRole\w+, then ChainTargetRole\w+, which trusts it with sts:AssumeRole and sts:TagSession\./,
    );
    expect(text).toMatch(
      /✓ \[role-chaining\] target role permission: ChainTargetRole\w+'s trust names ChainSourceRole\w+ by ARN, in the same account: that alone lets it assume ChainTargetRole\w+, no identity policy needed\./,
    );
    expect(text).toMatch(
      /✓ \[abac-team-a\] session tags: AbacRole\w+ uses the session tags kubernetes-namespace, kubernetes-service-account/,
    );
    for (const scope of ['abac-team-a', 'abac-team-b', 'role-chaining', 'session-policy']) {
      expect(text).toContain(`✓ [${scope}] association:`);
    }
    // Every pod, these scenarios' included, was created after its association and got its variables.
    expect(text).toMatch(/✓ \[cluster\] EKSCRED1 pod predates its credential configuration: Nothing found/);
  });

  const cases: { name: string; edit: (template: any) => void; scope: string; check: string; names: RegExp; fix: RegExp }[] = [
    {
      name: 'the association has a Policy but session tags stay enabled',
      edit: (t) => delete resource(t, 'SessionPolicyAssociation').Properties.DisableSessionTags,
      scope: 'session-policy',
      check: 'session policy',
      names:
        /SessionPolicyAssociation has a Policy but DisableSessionTags is "unset": EKS accepts a session policy only with session tags disabled/,
      fix: /Set DisableSessionTags: true on SessionPolicyAssociation/,
    },
    {
      name: 'the session policy is over 2,048 characters',
      edit: (t) => {
        const statements = Array.from({ length: 30 }, (_, i) => ({
          Sid: `ListEveryBucketAgainNumber${i}`,
          Effect: 'Allow',
          Action: 's3:ListAllMyBuckets',
          Resource: '*',
        }));
        resource(t, 'SessionPolicyAssociation').Properties.Policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
      },
      scope: 'session-policy',
      check: 'session policy size',
      names:
        /SessionPolicyAssociation's Policy has \d{4} characters: EKS passes it to STS as a session policy, whose plaintext may have at most 2048/,
      fix: /Shorten it to 2048 characters or fewer/,
    },
    {
      name: 'the session policy is not JSON',
      edit: (t) => (resource(t, 'SessionPolicyAssociation').Properties.Policy = 'Allow s3:ListAllMyBuckets'),
      scope: 'session-policy',
      check: 'session policy',
      names: /SessionPolicyAssociation's Policy is not JSON/,
      fix: /JSON string/,
    },
    {
      name: 'the target role does not trust sts:TagSession',
      edit: (t) => (resource(t, 'ChainTargetRole').Properties.AssumeRolePolicyDocument.Statement[0].Action = 'sts:AssumeRole'),
      scope: 'role-chaining',
      check: 'target role trust',
      names:
        /ChainTargetRole\w+ trusts ChainSourceRole\w+ without sts:TagSession: EKS assumes the target role passing the pod's session tags on/,
      fix: /Allow both sts:AssumeRole and sts:TagSession/,
    },
    {
      name: 'the target role trusts another principal than the association role',
      edit: (t) =>
        (resource(t, 'ChainTargetRole').Properties.AssumeRolePolicyDocument.Statement[0].Principal = {
          AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':role/another-role']] },
        }),
      scope: 'role-chaining',
      check: 'target role trust',
      names: /ChainTargetRole\w+ does not trust ChainSourceRole\w+, the role of ChainAssociation/,
      fix: /Principal AWS = the ARN of ChainSourceRole\w+/,
    },
    {
      name: 'the target role trusts the account root and the association role may not assume it',
      edit: (t) => {
        trustAccountRoot(t);
        withoutAssumePermission(t);
      },
      scope: 'role-chaining',
      check: 'target role permission',
      names:
        /ChainTargetRole\w+'s trust names the account root, not ChainSourceRole\w+, and ChainSourceRole\w+ may not sts:AssumeRole ChainTargetRole\w+/,
      fix: /Allow sts:AssumeRole and sts:TagSession on the ARN of ChainTargetRole\w+ in a policy of ChainSourceRole\w+, or name ChainSourceRole\w+'s ARN/,
    },
    {
      name: 'the ABAC association disables the session tags its role reads',
      edit: (t) => (resource(t, 'TeamAAssociation').Properties.DisableSessionTags = true),
      scope: 'abac-team-a',
      check: 'session tags',
      names: /TeamAAssociation disables session tags, but AbacRole\w+ depends on kubernetes-namespace/,
      fix: /Leave DisableSessionTags unset on TeamAAssociation/,
    },
    {
      name: 'the ABAC policy reads a session tag EKS never sets',
      edit: (t) => {
        const statement = resource(t, 'AbacRoleDefaultPolicy').Properties.PolicyDocument.Statement[0];
        statement.Resource['Fn::Join'][1][1] = '/${aws:PrincipalTag/kubernetes_namespace}/*';
      },
      scope: 'abac-team-a',
      check: 'session tags',
      names: /reads the session tag kubernetes_namespace, which EKS never sets \(it sets eks-cluster-arn, .*kubernetes-namespace/,
      fix: /\$\{aws:PrincipalTag\/kubernetes-namespace\}/,
    },
    {
      name: 'the chained pods do not wait for their association',
      edit: (t) => {
        const pods = resource(t, 'RoleChainingPods');
        expect(pods.Type).toBe(LAB_PODS_RESOURCE_TYPE);
        pods.DependsOn = pods.DependsOn.filter((id: string) => id !== 'ChainAssociation');
        // The wait names the association too, which would still order the pods after it.
        delete pods.Properties.WaitForInjection;
      },
      scope: 'role-chaining',
      check: 'EKSCRED1 pod predates its credential configuration',
      names:
        /pod role-chaining\/eks-iam-chain-ls: Service account role-chaining\/eks-iam-test is configured for EKS Pod Identity \(association eks-oidc-demo-pod-identity-advanced\/ChainAssociation\), but the pod has no AWS_CONTAINER_CREDENTIALS_FULL_URI: it was created before/,
      fix: /make the pods depend on association eks-oidc-demo-pod-identity-advanced\/ChainAssociation: podsDependOn\(association\)/,
    },
  ];

  test.each([
    [
      'its trust names the association role by ARN, and that role has no identity policy for it',
      withoutAssumePermission,
      /by ARN, in the same account/,
    ],
    [
      'its trust names the account root, and the association role may assume it',
      trustAccountRoot,
      /may assume ChainTargetRole\w+, whose trust names the account root/,
    ],
  ])('GIVEN a target role in the same account WHEN %s THEN the target role rules pass', async (_name, edit, permission) => {
    // GIVEN
    const dir = broken(edit);
    // WHEN
    const { text, failed } = await doctorOffline(dir);
    // THEN
    expect(failed.filter((f) => f.scope === 'role-chaining')).toEqual([]);
    expect(text).toMatch(/✓ \[role-chaining\] target role trust: /);
    expect(text).toMatch(new RegExp(`✓ \\[role-chaining\\] target role permission: .*${permission.source}`));
  });

  test.each(cases)('fails when $name, and names it with the fix', async ({ edit, scope, check, names, fix }) => {
    // GIVEN
    const dir = broken(edit);
    // WHEN
    const { code, text, failed } = await doctorOffline(dir);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const finding = failed.find((f) => f.scope === scope && f.check === check && names.test(f.detail));
    expect({ finding, failed }).toEqual({ finding: expect.objectContaining({ fix: expect.stringMatching(fix) }), failed });
    expect(text).toContain(`✗ [${scope}] ${check}: ${finding!.detail}`);
    expect(text).toContain(`    fix: ${finding!.fix}`);
  });
});

describe('lab doctor (live): EKS Pod Identity features', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  /** Without the IRSA and Pod Identity stacks in the assembly, their live checks stay out of these tests. */
  async function doctorLive(aws: ReturnType<typeof mockedAws>) {
    const dir = copyAssembly(synthesized);
    removeStack(dir, 'eks-oidc-demo-irsa');
    removeStack(dir, 'eks-oidc-demo-pod-identity');
    aws.mocks.eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'eks-oidc-demo', status: 'ACTIVE' } });
    aws.mocks.ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
    const terminal = new CapturedTerminal();
    const code = await runDoctor(
      { assembly: dir, verbose: true },
      { out: terminal.output(), aws: async () => aws.clients, kube: () => cluster.client() },
    );
    return { code, text: terminal.text };
  }

  function featureLines(text: string): string[] {
    return text
      .split('\n')
      .filter((line) => /\[(abac-team-a|abac-team-b|role-chaining|session-policy)\] (association in EKS|injected env)/.test(line));
  }

  test('GIVEN the associations and pods as deployed WHEN checked live THEN each association and every pod passes', async () => {
    const aws = mockedAws();
    mockAssociations(aws);
    deployFeaturePods(cluster);
    const { text } = await doctorLive(aws);
    const lines = featureLines(text);
    expect(lines.filter((line) => line.startsWith('✗'))).toEqual([]);
    expect(lines.filter((line) => line.includes('injected env'))).toHaveLength(8);
    expect(text).toMatch(
      /✓ \[role-chaining\] association in EKS: a-chain0000000000001 links role-chaining\/eks-iam-test to arn:aws:iam::123456789012:role\/\S+, then arn:aws:iam::123456789012:role\/eks-oidc-demo-chain-target/,
    );
    expect(text).toMatch(/✓ \[session-policy\] association in EKS: .*session tags disabled, session policy of \d+ characters\./);
  });

  test('fails when the session-policy association lost its policy in EKS', async () => {
    const aws = mockedAws();
    const associations = deployedAssociations();
    delete associations['session-policy'].policy;
    mockAssociations(aws, associations);
    deployFeaturePods(cluster);
    const { code, text } = await doctorLive(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toMatch(
      /✗ \[session-policy\] association in EKS: a-session00000000001 for session-policy\/eks-iam-test has .*session tags disabled, but the scenario needs session tags disabled and a session policy/,
    );
    expect(text).toContain('aws eks describe-pod-identity-association --cluster-name eks-oidc-demo --association-id a-session00000000001');
  });

  test('fails when EKS has no association for a team', async () => {
    const aws = mockedAws();
    const associations = deployedAssociations();
    delete associations['team-b'];
    mockAssociations(aws, associations);
    deployFeaturePods(cluster);
    const { code, text } = await doctorLive(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [abac-team-b] association in EKS: EKS has no Pod Identity association for team-b/eks-iam-test in eks-oidc-demo',
    );
  });

  test('fails when a probe pod was created before its association, and says how to run it again', async () => {
    const aws = mockedAws();
    mockAssociations(aws);
    deployFeaturePods(cluster);
    cluster.addPod({ object: podObject({ namespace: 'role-chaining', name: 'eks-iam-chain-caller', phase: 'Failed', exitCode: 253 }) });
    const { code, text } = await doctorLive(aws);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain(
      '✗ [role-chaining] injected env: Pod role-chaining/eks-iam-chain-caller lacks AWS_CONTAINER_CREDENTIALS_FULL_URI, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    );
    expect(text).toContain('npm run lab -- rerun role-chaining --pod eks-iam-chain-caller');
  });
});

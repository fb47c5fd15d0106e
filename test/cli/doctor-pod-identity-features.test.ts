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

/** The doctor's check name for a shared rule, as it reports the rule over the assembly. */
const EKSPI2 = 'EKSPI2 session tag conditions match the association';
const EKSPI3 = 'EKSPI3 target role trusts the association role';
const EKSPI4 = 'EKSPI4 session policy comes with session tags disabled';
const EKSPI7 = 'EKSPI7 identity policies read only the session tags EKS sets';

describe('lab doctor --offline: EKS Pod Identity features', () => {
  test('GIVEN the synthesized lab WHEN checked THEN the session policy, target role and session tag rules find nothing', async () => {
    const { code, text, failed } = await doctorOffline(synthesized);
    expect(failed).toEqual([]);
    expect(code).toBe(ExitCode.OK);
    for (const check of [EKSPI2, EKSPI3, EKSPI4, EKSPI7]) expect(text).toContain(`✓ [cluster] ${check}: Nothing found`);
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
      check: EKSPI4,
      names:
        /service account session-policy\/eks-iam-test: Association \S+\/SessionPolicyAssociation has a session policy but session tags enabled: EKS accepts a policy only with session tags disabled/,
      fix: /--disable-session-tags, or drop the policy\. In the lab, give the CfnPodIdentityAssociation disableSessionTags: true with its policy/,
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
      check: EKSPI4,
      names: /The session policy of \S+\/SessionPolicyAssociation has \d{4} characters; STS takes at most 2048/,
      fix: /Shorten the policy.* In the lab, build the policy with sessionPolicy\(\)/,
    },
    {
      name: 'the session policy is not JSON',
      edit: (t) => (resource(t, 'SessionPolicyAssociation').Properties.Policy = 'Allow s3:ListAllMyBuckets'),
      scope: 'session-policy',
      check: EKSPI4,
      names: /The session policy of \S+\/SessionPolicyAssociation is not JSON/,
      fix: /Pass the policy document as JSON text/,
    },
    {
      name: 'the target role does not trust sts:TagSession',
      edit: (t) => (resource(t, 'ChainTargetRole').Properties.AssumeRolePolicyDocument.Statement[0].Action = 'sts:AssumeRole'),
      scope: 'role-chaining',
      check: EKSPI3,
      names: /eks-oidc-demo-chain-target trusts \S+ChainSourceRole\w+ without sts:TagSession: EKS passes the session tags on/,
      fix: /Allow \S+ChainSourceRole\w+ sts:AssumeRole and sts:TagSession in the trust of eks-oidc-demo-chain-target\. In the lab, .*new iam\.ArnPrincipal/,
    },
    {
      name: 'the target role trusts another principal than the association role',
      edit: (t) =>
        (resource(t, 'ChainTargetRole').Properties.AssumeRolePolicyDocument.Statement[0].Principal = {
          AWS: { 'Fn::Join': ['', ['arn:aws:iam::', { Ref: 'AWS::AccountId' }, ':role/another-role']] },
        }),
      scope: 'role-chaining',
      check: EKSPI3,
      names: /eks-oidc-demo-chain-target does not trust \S+ChainSourceRole\w+, the role of \S+\/ChainAssociation/,
      fix: /Allow \S+ChainSourceRole\w+ sts:AssumeRole and sts:TagSession in the trust of eks-oidc-demo-chain-target/,
    },
    {
      name: 'the target role trusts the account root and the association role may not assume it',
      edit: (t) => {
        trustAccountRoot(t);
        withoutAssumePermission(t);
      },
      scope: 'role-chaining',
      check: EKSPI3,
      names:
        /the trust names the account, not the role, so \S+ChainSourceRole\w+ must be allowed sts:AssumeRole on eks-oidc-demo-chain-target by its own policies, and none does/,
      fix: /Allow sts:AssumeRole and sts:TagSession on \S+:role\/eks-oidc-demo-chain-target in a policy of \S+ChainSourceRole\w+/,
    },
    {
      name: 'the ABAC association disables the session tags its role reads',
      edit: (t) => (resource(t, 'TeamAAssociation').Properties.DisableSessionTags = true),
      scope: 'abac-team-a',
      check: EKSPI7,
      names: /\S+\/TeamAAssociation disables session tags, but \S+AbacRole\w+ reads kubernetes-namespace/,
      fix: /Enable session tags on \S+\/TeamAAssociation.* In the lab, leave disableSessionTags unset/,
    },
    {
      name: 'the ABAC policy reads a session tag EKS never sets',
      edit: (t) => {
        const statement = resource(t, 'AbacRoleDefaultPolicy').Properties.PolicyDocument.Statement[0];
        statement.Resource['Fn::Join'][1][1] = '/${aws:PrincipalTag/kubernetes_namespace}/*';
      },
      scope: 'abac-team-a',
      check: EKSPI7,
      names:
        /AbacRole\w+ reads the session tag kubernetes_namespace, which EKS never sets \(it sets eks-cluster-arn, .*kubernetes-namespace/,
      fix: /\$\{aws:PrincipalTag\/kubernetes-namespace\}/,
    },
    {
      name: "the ABAC role's trust requires a session tag EKS never sets",
      edit: (t) => {
        const statement = resource(t, 'AbacRole').Properties.AssumeRolePolicyDocument.Statement[0];
        expect(statement.Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
        statement.Condition = { StringEquals: { 'aws:RequestTag/team': 'team-a' } };
      },
      scope: 'abac-team-a',
      check: EKSPI2,
      names: /AbacRole\w+'s trust requires aws:RequestTag\/team \["team-a"\], a tag EKS never sets/,
      fix: /Condition the trust of \S+AbacRole\w+ on a tag EKS sets/,
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
    ['its trust names the association role by ARN, and that role has no identity policy for it', withoutAssumePermission],
    ['its trust names the account root, and the association role may assume it', trustAccountRoot],
  ])('GIVEN a target role in the same account WHEN %s THEN the target role rule finds nothing', async (_name, edit) => {
    // GIVEN
    const dir = broken(edit);
    // WHEN
    const { text, failed } = await doctorOffline(dir);
    // THEN
    expect(failed.filter((f) => f.scope === 'role-chaining')).toEqual([]);
    expect(text).toContain(`✓ [cluster] ${EKSPI3}: Nothing found`);
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

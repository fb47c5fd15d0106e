import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { AssetManifestArtifact, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { App } from 'aws-cdk-lib';
import { CiAccessStack, CLUSTER_ACCESS_ROLE_NAME_PREFIX, UNSCOPED_READ_ACTIONS } from '../lib/app/ci-access-stack';
import { parseLabConfig } from '../lib/lab-config';
import { CI_ACCESS_STACK_NAME } from '../lib/lab-names';
import { buildTestLab, LAB_STACKS, logicalIdsOf, SynthesizedLab, TEST_ACCOUNT } from './util';

const CI_CONTEXT = { ciAccessRepository: 'octo-org/octo-repo', ciAccessBranch: 'release/1.x' };

/** The Allow statements of the role's identity policies. */
function statements(template: Template): any[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap((policy: any) => policy.Properties.PolicyDocument.Statement);
}

/** A statement's resources as the `Fn::Sub` templates (or `*`) they were written as. */
function resourcesOf(statement: any): string[] {
  return [statement.Resource].flat().map((resource: any) => (typeof resource === 'string' ? resource : resource['Fn::Sub']));
}

/** The CI access stack alone, from context as bin/ parses it: it needs nothing of the lab. */
function ciAccessTemplate(context: Record<string, unknown>): Template {
  const config = parseLabConfig((key) => context[key]);
  const stack = new CiAccessStack(new App(), CI_ACCESS_STACK_NAME, {
    env: { account: TEST_ACCOUNT, region: 'us-east-2' },
    access: config.ciAccess!,
    labStackNames: LAB_STACKS,
  });
  return Template.fromStack(stack);
}

describe('CI access stack', () => {
  let lab: SynthesizedLab;
  let plain: SynthesizedLab;
  let template: Template;
  beforeAll(async () => {
    lab = await buildTestLab(CI_CONTEXT);
    plain = await buildTestLab();
    template = Template.fromStack(lab.byName[CI_ACCESS_STACK_NAME]);
  });

  test('GIVEN no ciAccess context WHEN the lab is built THEN there is no CI access stack', () => {
    expect(plain.stacks.ciAccess).toBeUndefined();
    expect(Object.keys(plain.byName).sort()).toEqual([...LAB_STACKS].sort());
  });

  test('is its own stack: nothing depends on it and it depends on nothing, so `cdk destroy --all` of the lab never reaches it', () => {
    const ci = lab.stacks.ciAccess!;
    expect(ci.stackName).toBe('eks-oidc-demo-ci-access');
    expect(ci.dependencies).toEqual([]);
    for (const stack of [lab.stacks.cluster, ...lab.stacks.scenarios]) expect(stack.dependencies).not.toContain(ci);
  });

  test('leaves every lab template byte-identical', () => {
    for (const name of LAB_STACKS) {
      expect(JSON.stringify(Template.fromStack(lab.byName[name]).toJSON())).toBe(
        JSON.stringify(Template.fromStack(plain.byName[name]).toJSON()),
      );
    }
  });

  test("registers GitHub's OIDC issuer for the audience sts.amazonaws.com", () => {
    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  test('the role trusts only that provider, through AssumeRoleWithWebIdentity, with StringEquals on sub and aud', () => {
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(1);
    const trust = Object.values(roles)[0].Properties.AssumeRolePolicyDocument;
    expect(trust.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: logicalIdsOf(template, 'AWS::IAM::OIDCProvider')[0] } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:ref:refs/heads/release/1.x',
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
          },
        },
      },
    ]);
  });

  test('nothing else can assume it: no AWS or service principal, no StringLike, no wildcard in sub', () => {
    const [role] = Object.values(template.findResources('AWS::IAM::Role'));
    const trust = JSON.stringify(role.Properties.AssumeRolePolicyDocument);
    expect(trust).not.toMatch(/"AWS"|"Service"|StringLike|ForAnyValue|\*|\?/);
  });

  test('defaults to branch main', () => {
    const main = ciAccessTemplate({ ciAccessRepository: 'octo-org/octo-repo' });
    main.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          { Condition: { StringEquals: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/octo-repo:ref:refs/heads/main' } } },
        ],
      },
    });
  });

  test("with ciAccessProvider=existing it reuses the account's provider and creates none", () => {
    const existing = ciAccessTemplate({ ...CI_CONTEXT, ciAccessProvider: 'existing' });
    existing.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    existing.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Principal: {
              Federated: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com' },
            },
          },
        ],
      },
    });
  });

  test('sessions last 4 hours, longer than the workflow keeps the lab deployed', () => {
    template.hasResourceProperties('AWS::IAM::Role', { MaxSessionDuration: 4 * 3600 });
  });

  test('no statement grants a wildcard action, and only Allow statements exist', () => {
    const all = statements(template);
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) {
      expect(statement.Effect).toBe('Allow');
      for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
    }
  });

  test('may assume exactly the CDK bootstrap roles the lab needs, and the cluster access role', () => {
    const assumable = statements(template)
      .filter((s) => [s.Action].flat().includes('sts:AssumeRole'))
      .flatMap(resourcesOf)
      .sort();
    expect(assumable).toEqual([
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-deploy-role-${AWS::AccountId}-us-east-2',
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-file-publishing-role-${AWS::AccountId}-us-east-2',
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-lookup-role-${AWS::AccountId}-us-east-2',
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/eks-oidc-demo-eksoidcdemoAccessRole*',
    ]);
    // sts:AssumeRole is the role's only write-like action: it cannot deploy anything itself.
    const actions = statements(template).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => !/^[a-z0-9]+:(Describe|Get|List|Lookup)/.test(a))).toEqual(['sts:AssumeRole', 'sts:AssumeRole']);
  });

  test('the bootstrap roles are the ones the lab cloud assembly asks the CDK CLI to assume', () => {
    // GIVEN the lab, synthesized as `cdk deploy --all` would
    const assembly = plain.app.synth();
    // WHEN the roles each stack and asset manifest names are collected
    const needed = new Set<string>();
    for (const artifact of assembly.artifacts) {
      if (artifact instanceof CloudFormationStackArtifact) {
        needed.add(artifact.assumeRoleArn!);
        needed.add(artifact.lookupRole!.arn);
      }
      if (artifact instanceof AssetManifestArtifact) {
        for (const file of Object.values(artifact.contents.files ?? {}))
          for (const d of Object.values(file.destinations)) needed.add(d.assumeRoleArn!);
        expect(artifact.contents.dockerImages ?? {}).toEqual({});
      }
    }
    // THEN the CI role may assume each of them, once its template is resolved in the same account
    const granted = statements(template).find((s) => s.Sid === 'AssumeCdkBootstrapRoles');
    const rendered = resourcesOf(granted).map((arn) => arn.replaceAll('${AWS::AccountId}', TEST_ACCOUNT));
    expect([...needed].sort()).toEqual(rendered.sort());
  });

  test("the access-role prefix names the role the cluster stack's kubeconfig command uses, and that role trusts the account", () => {
    const cluster = Template.fromStack(lab.byName['eks-oidc-demo']).toJSON();
    const command = Object.entries(cluster.Outputs).find(([key]) => key.includes('ConfigCommand'))![1] as any;
    const [, parts] = command.Value['Fn::Join'];
    const roleRef = parts.find((part: any) => part['Fn::GetAtt']?.[1] === 'Arn')['Fn::GetAtt'][0];
    expect(`eks-oidc-demo-${roleRef}`.startsWith(CLUSTER_ACCESS_ROLE_NAME_PREFIX)).toBe(true);
    expect(JSON.stringify(cluster.Resources[roleRef].Properties.AssumeRolePolicyDocument)).toContain(':root');
  });

  test('may describe exactly the lab stacks', () => {
    const describe = statements(template).find((s) => s.Sid === 'WaitOnLabStacks');
    expect(describe.Action).toEqual(['cloudformation:DescribeStacks', 'cloudformation:GetTemplate']);
    // The CDK sorts a statement's resources; the set is what counts.
    expect([...resourcesOf(describe)].sort()).toEqual(
      LAB_STACKS.map((name) => `arn:\${AWS::Partition}:cloudformation:us-east-2:\${AWS::AccountId}:stack/${name}/*`).sort(),
    );
  });

  test('grants every AWS call the lab CLI makes with its own credentials', () => {
    const granted = new Set(statements(template).flatMap((s) => [s.Action].flat()));
    const calls = awsCallsIn(path.join(__dirname, '..', 'lib', 'cli'));
    expect(calls.size).toBeGreaterThan(10);
    // STS needs no permission for GetCallerIdentity (STS API reference, GetCallerIdentity).
    const missing = [...calls].filter((action) => !granted.has(action) && action !== 'sts:GetCallerIdentity');
    expect(missing).toEqual([]);
  });

  test('reads with resource * only the actions that support no resource scope', () => {
    const unscoped = statements(template).filter((s) => resourcesOf(s).includes('*'));
    expect(unscoped).toHaveLength(1);
    expect([unscoped[0].Action].flat().sort()).toEqual([...UNSCOPED_READ_ACTIONS].sort());
  });

  test('cdk-nag AWS Solutions finds nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(lab.stacks.ciAccess!);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
  });

  test('matches its snapshot', () => {
    expect(template.toJSON()).toMatchSnapshot();
  });
});

/** API operations whose IAM action has another name (Service Authorization Reference, Amazon S3). */
const IAM_ACTION_OF: Record<string, string> = { 's3:ListBuckets': 's3:ListAllMyBuckets' };

/** The IAM action of every AWS SDK command or paginator a source tree imports, e.g. `ec2:DescribeVpcs`. */
function awsCallsIn(dir: string): Set<string> {
  const prefixes: Record<string, string> = {
    cloudformation: 'cloudformation',
    cloudtrail: 'cloudtrail',
    'cloudwatch-logs': 'logs',
    ec2: 'ec2',
    eks: 'eks',
    iam: 'iam',
    kms: 'kms',
    s3: 's3',
    'secrets-manager': 'secretsmanager',
    sts: 'sts',
  };
  const actions = new Set<string>();
  // `lab audit` reads any cluster with the caller's own credentials, never with the CI role; its
  // calls are checked against its own policy (lib/cli/commands/audit/lab-audit-iam-policy.json) in test/cli/audit.
  // Its collection (sources/live.ts) is counted: live `lab doctor` reads the deployed lab with it.
  const audit = (file: string) => file.startsWith(path.join('commands', 'audit') + path.sep);
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !audit(file));
  for (const file of files) {
    const source = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const [, names, client] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-([a-z0-9-]+)'/g)) {
      const prefix = prefixes[client];
      if (!prefix) throw new Error(`${file} imports @aws-sdk/client-${client}: add its IAM prefix here and its actions to the CI role.`);
      for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
        const command = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
        if (command) actions.add(IAM_ACTION_OF[`${prefix}:${command}`] ?? `${prefix}:${command}`);
      }
    }
  }
  return actions;
}

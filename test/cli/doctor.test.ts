import { runDoctor } from '../../lib/cli/commands/doctor';
import { ExitCode } from '../../lib/cli/errors';
import { IRSA_ROLE_ANNOTATION, LAB_PODS_RESOURCE_TYPE, TOGGLES_METADATA_KEY } from '../../lib/lab-names';
import { copyAssembly, editTemplate, removeStack, synthLab } from './support/assembly';
import { CapturedTerminal } from './support/output';

const CLUSTER = 'eks-oidc-demo';
const IRSA = 'eks-oidc-demo-irsa';
const POD_IDENTITY = 'eks-oidc-demo-pod-identity';
const SECRET_INJECTED = 'eks-oidc-demo-secret-injected';
const NODE_ROLE = 'eks-oidc-demo-node-role';

let synthesized: string;
beforeAll(async () => {
  synthesized = await synthLab();
}, 60_000);

async function doctor(
  dir: string,
): Promise<{ code: ExitCode; text: string; failed: { scope: string; check: string; detail: string; fix: string }[] }> {
  const human = new CapturedTerminal();
  const unused = () => {
    throw new Error('offline doctor must not reach AWS or the cluster');
  };
  // Every check, as `doctor --verbose` lists them.
  const code = await runDoctor({ assembly: dir, offline: true, verbose: true }, { out: human.output(), aws: unused, kube: unused });
  const json = new CapturedTerminal();
  await runDoctor({ assembly: dir, offline: true }, { out: json.output(true), aws: unused, kube: unused });
  return { code, text: human.text, failed: json.json().findings.filter((f: { ok: boolean }) => !f.ok) };
}

/** A copy of the synthesized assembly with one stack's template edited. */
function broken(stack: string, edit: (template: any) => void): string {
  const dir = copyAssembly(synthesized);
  editTemplate(dir, stack, (template) => {
    edit(template);
    return template;
  });
  return dir;
}

function resourceOfType(template: any, type: string, where: (resource: any) => boolean = () => true): any {
  const found = Object.values(template.Resources).find((r: any) => r.Type === type && where(r));
  if (!found) throw new Error(`no ${type} in the template: the fixture no longer matches the stack`);
  return found;
}

function logicalIdOf(template: any, type: string): string {
  const id = Object.keys(template.Resources).find((key) => template.Resources[key].Type === type);
  if (!id) throw new Error(`no ${type} in the template`);
  return id;
}

/** Replaces text in every string of a value, failing if nothing matched. */
function replaceStrings(value: any, from: string, to: string): any {
  let hits = 0;
  const walk = (v: any): any => {
    if (typeof v === 'string') {
      if (v.includes(from)) hits++;
      return v.split(from).join(to);
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k.split(from).join(to), walk(item)]));
    return v;
  };
  const result = walk(value);
  if (hits === 0) throw new Error(`'${from}' not found: the fixture no longer matches the stack`);
  return result;
}

function trustConditions(template: any): any {
  return resourceOfType(template, 'Custom::AWSCDKCfnJson');
}

function podsManifest(template: any, podName: string): any {
  return resourceOfType(template, LAB_PODS_RESOURCE_TYPE, (r) =>
    JSON.stringify(r.Properties.Manifest).includes(`"name\\":\\"${podName}\\"`),
  );
}

describe('lab doctor --offline', () => {
  test('GIVEN the synthesized lab WHEN checked offline THEN every check passes and exit code is 0', async () => {
    const { code, text, failed } = await doctor(synthesized);
    expect(failed).toEqual([]);
    expect(code).toBe(ExitCode.OK);
    expect(text).toContain('toggles imds=open nodeRoleS3Access=false');
    for (const check of [
      'IMDS as the toggles say',
      'EKSIMDS2 launch templates keep future nodes locked',
      'EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com',
      'EKSIRSA4 trust conditions match the token',
      'association',
      'EKSPI6 Pod Identity agent installed',
      'EKSCRED1 pod predates its credential configuration',
      'pods wait for service account',
      'pods wait for secret',
    ]) {
      expect(text).toContain(`] ${check}:`);
    }
  });

  test('GIVEN IMDS locked in both stacks WHEN checked THEN the hop limit 1 passes', async () => {
    const dir = copyAssembly(synthesized);
    editTemplate(dir, NODE_ROLE, (t) => ({
      ...t,
      Metadata: { ...t.Metadata, [TOGGLES_METADATA_KEY]: { imds: 'locked', nodeRoleS3Access: false } },
    }));
    editTemplate(dir, CLUSTER, (t) => {
      resourceOfType(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit = 1;
      return t;
    });
    const { code, text } = await doctor(dir);
    expect(text).toContain('has HttpTokens required and hop limit 1, as imds=locked expects: pods cannot reach the node role.');
    expect(text).toMatch(/✓ \[cluster\] EKSIMDS2 launch templates keep future nodes locked: Nothing found/);
    expect(code).toBe(ExitCode.OK);
  });

  test('GIVEN imds=open recorded WHEN the launch template is locked THEN it says the node-role scenario cannot show its lesson', async () => {
    // GIVEN the node-role stack synthesized with imds=open, the cluster stack as imds=locked leaves it
    const dir = copyAssembly(synthesized);
    editTemplate(dir, CLUSTER, (t) => {
      resourceOfType(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit = 1;
      return t;
    });
    // WHEN
    const { code, failed } = await doctor(dir);
    // THEN no rule calls a locked node wrong: the lab's own check names the mismatch
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(failed).toEqual([
      {
        scope: 'cluster',
        check: 'IMDS as the toggles say',
        ok: false,
        detail: expect.stringMatching(
          /has HttpTokens required and hop limit 1, so pods cannot reach the node role; the node-role stack was synthesized with imds=open, which needs HttpTokens required and hop limit 2/,
        ),
        fix: 'Synthesize and deploy both stacks with the same toggle: `npx cdk deploy --all -c imds=open`.',
      },
    ]);
  });

  test('GIVEN imds=leaky WHEN checked THEN it names HttpTokens optional as the hole that hop limit 1 does not close', async () => {
    // GIVEN
    const leaky = await synthLab({ imds: 'leaky' });
    // WHEN
    const { code, failed } = await doctor(leaky);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(failed).toEqual([
      expect.objectContaining({
        scope: 'cluster',
        check: 'EKSIMDS2 launch templates keep future nodes locked',
        detail: expect.stringMatching(
          /HttpTokens optional: IMDSv1 answers a plain GET from any pod\. Hop limit 1 does not help: it stops only the IMDSv2 token PUT/,
        ),
        fix: expect.stringContaining('`npx cdk deploy --all -c imds=locked`'),
      }),
    ]);
  });

  test('without --verbose, prints only the failed checks and the summary', async () => {
    // GIVEN imds=leaky, which fails one check of many
    const leaky = await synthLab({ imds: 'leaky' });
    const terminal = new CapturedTerminal();
    const unused = () => {
      throw new Error('offline doctor must not reach AWS or the cluster');
    };
    // WHEN
    await runDoctor({ assembly: leaky, offline: true }, { out: terminal.output(), aws: unused, kube: unused });
    // THEN one ✗ line with its fix, no ✓ line but the summary, and the way to see the rest
    const lines = terminal.text.split('\n');
    expect(lines.filter((line) => line.startsWith('✗ ['))).toEqual([expect.stringContaining('EKSIMDS2 ')]);
    expect(lines.filter((line) => line.startsWith('✓'))).toEqual([]);
    expect(terminal.text).toMatch(/^✗ 1 problem\(s\) in (\d+) checks\.\n--verbose lists the \d+ checks that pass\.\n$/m);
  });

  test('explains the deliberate surprises as lessons: the old CLI, and IRSA plus Pod Identity on one service account', async () => {
    const { text } = await doctor(synthesized);
    expect(text).toMatch(
      /✓ \[old-sdk\] EKSSDK1 SDK new enough for its credentials: pod pod-identity\/eks-iam-test9: Container aws-cli runs AWS CLI 2\.14\.6, older than 2\.15\.0, .* On purpose: The old-sdk scenario runs an AWS CLI too old for Pod Identity/,
    );
    expect(text).toMatch(
      /✓ \[precedence\] EKSCRED2 IRSA and Pod Identity on one service account: Service account precedence\/eks-iam-test has both/,
    );
  });

  test('says which scenario stacks it skipped when they are not in the assembly', async () => {
    const dir = copyAssembly(synthesized);
    removeStack(dir, IRSA);
    const { code, text } = await doctor(dir);
    expect(code).toBe(ExitCode.OK);
    expect(text).toContain(`Skipped (stack not in ${dir}): irsa (${IRSA})`);
  });

  test('runs the rules lab audit runs over the lab: its lessons pass, named as lessons', async () => {
    const { text, failed } = await doctor(synthesized);
    expect(failed).toEqual([]);
    expect(text).toMatch(/✓ \[node-role\] EKSIMDS3 pod falls back to the node role: .*pod node-role\/eks-iam-test1.* On purpose: /);
    expect(text).toMatch(/✓ \[bystander\] EKSIMDS3 pod falls back to the node role: .*pod bystander\/eks-iam-bystander.* On purpose: /);
    expect(text).toMatch(/✓ \[cluster\] EKSPI5 [^:]+: Nothing found/);
  });

  test('fails a mistake only a shared rule names: a StringLike wildcard that lets every service account of the namespace assume the role', async () => {
    // GIVEN
    const dir = broken(IRSA, (t) => {
      Object.assign(
        trustConditions(t),
        replaceStrings(trustConditions(t), 'system:serviceaccount:irsa:eks-iam-test', 'system:serviceaccount:irsa:*'),
      );
      const role = resourceOfType(t, 'AWS::IAM::Role', (r) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('AssumeRoleWithWebIdentity'),
      );
      const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
      statement.Condition = { StringLike: statement.Condition.StringEquals };
    });
    // WHEN
    const { code, failed } = await doctor(dir);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(failed).toContainEqual(
      expect.objectContaining({ scope: 'irsa', check: expect.stringMatching(/^EKSIRSA5 /), fix: expect.stringMatching(/\w+ \w+/) }),
    );
  });

  test('GIVEN the trust uses StringLike with the exact values WHEN checked THEN it passes: without a wildcard, StringLike matches as StringEquals does', async () => {
    // GIVEN
    const dir = broken(IRSA, (t) => {
      const role = resourceOfType(t, 'AWS::IAM::Role', (r) =>
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('AssumeRoleWithWebIdentity'),
      );
      const statement = role.Properties.AssumeRolePolicyDocument.Statement[0];
      statement.Condition = { StringLike: statement.Condition.StringEquals };
    });
    // WHEN
    const { code, text, failed } = await doctor(dir);
    // THEN
    expect(failed).toEqual([]);
    expect(code).toBe(ExitCode.OK);
    expect(text).toMatch(/✓ \[cluster\] EKSIRSA4 trust conditions match the token: Nothing found/);
    expect(text).toMatch(/✓ \[cluster\] EKSIRSA5 trust open to other service accounts: Nothing found/);
  });

  test('GIVEN the IRSA pods are gone WHEN checked THEN it says so, and nothing about what they wait for', async () => {
    // GIVEN
    const dir = broken(IRSA, (t) => {
      const id = Object.keys(t.Resources).find((key) => t.Resources[key] === podsManifest(t, 'eks-iam-test3'));
      delete t.Resources[id!];
    });
    // WHEN
    const { code, text, failed } = await doctor(dir);
    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(failed).toContainEqual(
      expect.objectContaining({
        scope: 'irsa',
        check: 'pods',
        detail: expect.stringMatching(/has no manifest with pod irsa\/eks-iam-test3/),
      }),
    );
    expect(text).not.toMatch(/\[irsa\] pods wait for/);
  });

  const cases: { name: string; stack: string; edit: (template: any) => void; check: string; names: RegExp; fix?: RegExp }[] = [
    {
      name: 'the Pod Identity pod runs an AWS CLI too old for Pod Identity',
      stack: POD_IDENTITY,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test7');
        pods.Properties.Manifest = pods.Properties.Manifest.replace(/aws-cli:2\.22\.0/g, 'aws-cli:2.14.6');
      },
      check: 'EKSSDK1 SDK new enough for its credentials',
      names:
        /pod pod-identity\/eks-iam-test7: Container aws-cli runs AWS CLI 2\.14\.6, older than 2\.15\.0, the first release that supports EKS Pod Identity/,
      fix: /-c awsCliImage=public\.ecr\.aws\/aws-cli\/aws-cli:<tag>/,
    },
    {
      name: 'the Pod Identity service account also carries the IRSA annotation',
      stack: POD_IDENTITY,
      edit: (t) => {
        const identity = resourceOfType(t, 'Custom::AWSCDK-EKS-KubernetesResource', (r) =>
          JSON.stringify(r.Properties.Manifest).includes('ServiceAccount'),
        );
        identity.Properties.Manifest = JSON.stringify(
          JSON.parse(identity.Properties.Manifest).map((o: any) =>
            o.kind === 'ServiceAccount'
              ? { ...o, metadata: { ...o.metadata, annotations: { [IRSA_ROLE_ANNOTATION]: 'arn:aws:iam::123456789012:role/x' } } }
              : o,
          ),
        );
      },
      check: 'EKSCRED2 IRSA and Pod Identity on one service account',
      names:
        /pod-identity\/eks-iam-test has both the eks\.amazonaws\.com\/role-arn annotation and a Pod Identity association: the webhook gives the association precedence/,
    },
    {
      name: 'the IRSA trust names the wrong namespace in sub',
      stack: IRSA,
      edit: (t) =>
        Object.assign(
          trustConditions(t),
          replaceStrings(trustConditions(t), 'system:serviceaccount:irsa:', 'system:serviceaccount:default:'),
        ),
      check: 'EKSIRSA4 trust conditions match the token',
      names:
        /requires sub \["system:serviceaccount:default:eks-iam-test"\] .*: it names namespace 'default', where the service account is in 'irsa'/,
    },
    {
      name: 'the IRSA trust audience has the sts.amazon.com typo',
      stack: IRSA,
      edit: (t) => Object.assign(trustConditions(t), replaceStrings(trustConditions(t), 'sts.amazonaws.com', 'sts.amazon.com')),
      check: 'EKSIRSA4 trust conditions match the token',
      names:
        /'sts\.amazon\.com' is the common typo of 'sts\.amazonaws\.com'.*AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity"/,
    },
    {
      name: 'the OIDC provider is missing',
      stack: IRSA,
      edit: (t) => delete t.Resources[logicalIdOf(t, 'AWS::IAM::OIDCProvider')],
      check: 'EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com',
      names: /IAM has no OIDC provider for the issuer https:\/\/oidc\.eks\..*No OpenIDConnect provider found/,
      fix: /iam\.OidcProviderNative/,
    },
    {
      name: 'the OIDC provider client id has the audience typo',
      stack: IRSA,
      edit: (t) => (resourceOfType(t, 'AWS::IAM::OIDCProvider').Properties.ClientIdList = ['sts.amazon.com']),
      check: 'EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com',
      names:
        /lists client ids \[sts\.amazon\.com\] \('sts\.amazon\.com' is the common typo of 'sts\.amazonaws\.com'\).*Incorrect token audience/,
    },
    {
      name: 'the trust condition key carries the arn: prefix',
      stack: IRSA,
      edit: (t) => {
        const conditions = trustConditions(t);
        const parts = conditions.Properties.Value['Fn::Join'][1];
        // The key built from the whole provider ARN instead of its host/path.
        conditions.Properties.Value['Fn::Join'][1] = parts.map((part: any) =>
          typeof part === 'object' ? { Ref: logicalIdOf(t, 'AWS::IAM::OIDCProvider') } : part,
        );
      },
      check: 'EKSIRSA4 trust conditions match the token',
      names:
        /the key 'arn:aws:iam::.*:oidc-provider\/oidc\.eks.*:sub' carries the provider ARN; IAM keys the claim by the issuer's host and path alone/,
    },
    {
      name: 'a wildcard sits under StringEquals',
      stack: IRSA,
      edit: (t) =>
        Object.assign(
          trustConditions(t),
          replaceStrings(trustConditions(t), 'system:serviceaccount:irsa:eks-iam-test', 'system:serviceaccount:irsa:*'),
        ),
      check: 'EKSIRSA4 trust conditions match the token',
      names: /'system:serviceaccount:irsa:\*' would match as a pattern, but StringEquals compares literally: .* so it never matches/,
    },
    {
      name: 'the IRSA pods do not depend on their service account',
      stack: IRSA,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test3');
        pods.DependsOn = pods.DependsOn.filter((id: string) => !id.includes('Identity'));
      },
      check: 'EKSCRED1 pod predates its credential configuration',
      names:
        /pod irsa\/eks-iam-test3: Service account irsa\/eks-iam-test is configured for IRSA \(the eks\.amazonaws\.com\/role-arn annotation\), but the pod has no AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE: it was created before/,
      fix: /make the pods depend on the manifest that creates service account irsa\/eks-iam-test \(pods\.node\.addDependency\(identity\)\)/,
    },
    {
      name: 'the Pod Identity pods do not depend on their service account',
      stack: POD_IDENTITY,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test7');
        const identity = Object.keys(t.Resources).find(
          (id) =>
            t.Resources[id].Type === 'Custom::AWSCDK-EKS-KubernetesResource' &&
            JSON.stringify(t.Resources[id].Properties.Manifest).includes('ServiceAccount'),
        );
        if (!identity || !pods.DependsOn.includes(identity)) throw new Error('the pods no longer depend on the identity manifest');
        pods.DependsOn = pods.DependsOn.filter((id: string) => id !== identity);
      },
      check: 'pods wait for service account',
      names:
        /\(the pods\) does not depend on PodIdentity\w+ \(service account eks-iam-test\): Kubernetes refuses a pod whose service account does not exist yet/,
    },
    {
      name: 'the IRSA pods do not depend on the role policy',
      stack: IRSA,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test3');
        pods.DependsOn = pods.DependsOn.filter((id: string) => !id.includes('DefaultPolicy'));
      },
      check: 'pods wait for role',
      names: /does not depend on S3ListRoleDefaultPolicy\w+/,
    },
    {
      name: 'an AWS_ access key id alone is added to the IRSA pod',
      stack: IRSA,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test3');
        const objects = JSON.parse(pods.Properties.Manifest);
        objects[0].spec.containers[0].env = [{ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEXAMPLE' }];
        pods.Properties.Manifest = JSON.stringify(objects);
      },
      check: 'EKSKEYS1 no static AWS keys in pod env',
      names:
        /pod irsa\/eks-iam-test3: The pod sets AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY \(value not shown\): the AWS CLI and boto3 stop there with PartialCredentialsError/,
    },
    {
      name: 'static AWS_ keys are added to the IRSA pod',
      stack: IRSA,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test3');
        const objects = JSON.parse(pods.Properties.Manifest);
        objects[0].spec.containers[0].env = [
          { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAEXAMPLE' },
          { name: 'AWS_SECRET_ACCESS_KEY', value: 'example' },
        ];
        pods.Properties.Manifest = JSON.stringify(objects);
      },
      check: 'EKSKEYS1 no static AWS keys in pod env',
      names:
        /pod irsa\/eks-iam-test3: The pod gets static keys from literal values in the pod spec \(values not shown\); they win over IRSA/,
    },
    {
      name: 'the service account lost its role annotation',
      stack: IRSA,
      edit: (t) => {
        const identity = resourceOfType(t, 'Custom::AWSCDK-EKS-KubernetesResource', (r) =>
          JSON.stringify(r.Properties.Manifest).includes('ServiceAccount'),
        );
        identity.Properties.Manifest = replaceStrings(identity.Properties.Manifest, IRSA_ROLE_ANNOTATION, 'example.com/unrelated');
      },
      check: 'role annotation',
      names: /has no eks\.amazonaws\.com\/role-arn annotation/,
    },
    {
      name: 'the association names the wrong service account',
      stack: POD_IDENTITY,
      edit: (t) => (resourceOfType(t, 'AWS::EKS::PodIdentityAssociation').Properties.ServiceAccount = 'default'),
      check: 'association',
      names: /No Pod Identity association for pod-identity\/eks-iam-test.*names pod-identity\/default/,
    },
    {
      name: 'the Pod Identity role does not allow sts:TagSession',
      stack: POD_IDENTITY,
      edit: (t) => {
        const role = resourceOfType(t, 'AWS::IAM::Role', (r) =>
          JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('pods.eks.amazonaws.com'),
        );
        role.Properties.AssumeRolePolicyDocument.Statement[0].Action = 'sts:AssumeRole';
      },
      check: "EKSPI1 association's role trusts pods.eks.amazonaws.com",
      names: /trusts pods\.eks\.amazonaws\.com without sts:TagSession/,
    },
    {
      name: 'the Pod Identity pods do not depend on the association',
      stack: POD_IDENTITY,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test7');
        const association = logicalIdOf(t, 'AWS::EKS::PodIdentityAssociation');
        pods.DependsOn = pods.DependsOn.filter((id: string) => id !== association);
        // The wait names the association too, which would still order the pods after it.
        delete pods.Properties.WaitForInjection;
      },
      check: 'EKSCRED1 pod predates its credential configuration',
      names:
        /pod pod-identity\/eks-iam-test7: Service account pod-identity\/eks-iam-test is configured for EKS Pod Identity \(association eks-oidc-demo-pod-identity\/Association\), but the pod has no AWS_CONTAINER_CREDENTIALS_FULL_URI: it was created before/,
      fix: /make the pods depend on association eks-oidc-demo-pod-identity\/Association: podsDependOn\(association\)/,
    },
    {
      name: 'the agent add-on is removed',
      stack: CLUSTER,
      edit: (t) => {
        const id = Object.keys(t.Resources).find((key) => t.Resources[key].Properties?.AddonName === 'eks-pod-identity-agent');
        if (!id) throw new Error('no agent add-on in the cluster stack');
        delete t.Resources[id];
      },
      check: 'EKSPI6 Pod Identity agent installed',
      names: /no eks-pod-identity-agent add-on/,
    },
    {
      name: 'the hop limit stays 2 while the toggles say locked',
      stack: NODE_ROLE,
      edit: (t) => (t.Metadata[TOGGLES_METADATA_KEY] = { imds: 'locked', nodeRoleS3Access: false }),
      check: 'EKSIMDS2 launch templates keep future nodes locked',
      names:
        /hop limit 2: the IMDSv2 token reply reaches pods .* The node-role stack was synthesized with imds=locked, which sets HttpTokens required and hop limit 1/,
      fix: /Synthesize and deploy both stacks with the same toggle: `npx cdk deploy --all -c imds=locked`/,
    },
    {
      name: 'IMDSv1 is left open',
      stack: CLUSTER,
      edit: (t) => (resourceOfType(t, 'AWS::EC2::LaunchTemplate').Properties.LaunchTemplateData.MetadataOptions.HttpTokens = 'optional'),
      check: 'EKSIMDS2 launch templates keep future nodes locked',
      names:
        /node group \w+: The launch template gives new nodes HttpTokens optional: IMDSv1 answers a plain GET from any pod, whatever the hop limit/,
    },
    {
      name: 'the toggles metadata is missing',
      stack: NODE_ROLE,
      edit: (t) => delete t.Metadata,
      check: 'toggles metadata',
      names: /has no 'eks-oidc-demo:toggles' metadata/,
    },
    {
      name: 'the secret-injected pods do not wait for the Secret writer',
      stack: SECRET_INJECTED,
      edit: (t) => {
        const pods = podsManifest(t, 'eks-iam-test5');
        const writer = Object.keys(t.Resources).find((key) => t.Resources[key].Properties?.SecretName !== undefined);
        pods.DependsOn = pods.DependsOn.filter((id: string) => id !== writer);
      },
      check: 'pods wait for secret',
      names: /does not depend on \w+, which creates Secret aws-static-keys/,
    },
    {
      name: 'a manifest carries secret values',
      stack: SECRET_INJECTED,
      edit: (t) => {
        const identity = resourceOfType(t, 'Custom::AWSCDK-EKS-KubernetesResource', (r) =>
          JSON.stringify(r.Properties.Manifest).includes('Namespace'),
        );
        const objects = JSON.parse(identity.Properties.Manifest);
        objects.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'keys', namespace: 'secret-injected' },
          stringData: { AWS_SECRET_ACCESS_KEY: 'example' },
        });
        identity.Properties.Manifest = JSON.stringify(objects);
      },
      check: 'no secrets in manifests',
      names: /applies Secret secret-injected\/keys with values \(AWS_SECRET_ACCESS_KEY\): the kubectl handler logs the whole manifest/,
    },
  ];

  test.each(cases)('fails when $name, and names it', async ({ stack, edit, check, names, fix }) => {
    // GIVEN
    const dir = broken(stack, edit);

    // WHEN
    const { code, text, failed } = await doctor(dir);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const finding = failed.find((f) => f.check === check && names.test(f.detail));
    expect(failed).toContainEqual(
      expect.objectContaining({ check, detail: expect.stringMatching(names), fix: expect.stringMatching(fix ?? /\w+ \w+/) }),
    );
    expect(text).toContain(`✗ [${finding!.scope}] ${check}: ${finding!.detail}`);
    expect(text).toContain(`    fix: ${finding!.fix}`);
  });
});

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runDoctor } from '../lib/cli/commands/doctor';
import { ExitCode } from '../lib/cli/errors';
import { DRILLS, drillDeployCommand, drillFor, drillStackName } from '../lib/drills';
import { ANOTHER_CLUSTERS_ISSUER } from '../lib/app/irsa-stack';
import { Drill } from '../lib/lab-config';
import { DRILL_METADATA_KEY, LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { DRILL_OUTCOMES, ScenarioId, scenario } from '../lib/scenarios';
import { AwsSolutionsChecks } from 'cdk-nag';
import { synthLab } from './cli/support/assembly';
import { buildTestLab } from './util';
import { CapturedTerminal } from './cli/support/output';

const IRSA = 'eks-oidc-demo-irsa';
const POD_IDENTITY = 'eks-oidc-demo-pod-identity';

type CfnTemplate = { Metadata?: Record<string, unknown>; Resources: Record<string, any> };

/** Every template file of an assembly, as text, by stack name. */
function templateFiles(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((file) => file.endsWith('.template.json'))
      .map((file) => [file.replace(/\.template\.json$/, ''), readFileSync(join(dir, file), 'utf8')]),
  );
}

/** The logical id of the one resource of a type whose properties match. */
function idOf(template: CfnTemplate, type: string, where: (resource: any) => boolean = () => true): string {
  const ids = Object.keys(template.Resources).filter((id) => template.Resources[id].Type === type && where(template.Resources[id]));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}: the fixture no longer matches the stack`);
  return ids[0];
}

/** The pods resource of the scenario a drill breaks: a stack may hold other scenarios' pods too. */
const podsIdOf = (t: CfnTemplate, id: ScenarioId) =>
  idOf(t, LAB_PODS_RESOURCE_TYPE, (r) => JSON.stringify(r.Properties[LabPodsProperty.MANIFEST]).includes(`\\"${scenario(id).s3LsPod}\\"`));
const podsOf = (t: CfnTemplate, id: ScenarioId) => t.Resources[podsIdOf(t, id)];
/** The association of the Pod Identity scenario's service account. */
const associationIdOf = (t: CfnTemplate) =>
  idOf(
    t,
    'AWS::EKS::PodIdentityAssociation',
    (r) => r.Properties.Namespace === 'pod-identity' && r.Properties.ServiceAccount === 'eks-iam-test',
  );
const trustConditionsOf = (t: CfnTemplate) => t.Resources[idOf(t, 'Custom::AWSCDKCfnJson')];
const oidcProviderOf = (t: CfnTemplate) => t.Resources[idOf(t, 'AWS::IAM::OIDCProvider')];
/** The role that association names. */
const roleOf = (t: CfnTemplate) => t.Resources[t.Resources[associationIdOf(t)].Properties.RoleArn['Fn::GetAtt'][0]];
const identityOf = (t: CfnTemplate) =>
  t.Resources[idOf(t, 'Custom::AWSCDK-EKS-KubernetesResource', (r) => JSON.stringify(r.Properties.Manifest).includes('ServiceAccount'))];

/** Replaces one string in every string of a value, failing if it is not there. */
function replaced(value: any, from: string, to: string): any {
  const text = JSON.stringify(value);
  if (!text.includes(from)) throw new Error(`'${from}' not found: the fixture no longer matches the stack`);
  return JSON.parse(text.split(from).join(to));
}

interface DrillCase {
  readonly drill: Drill;
  readonly stack: string;
  /** The drilled stack is the healthy one with exactly these edits, besides the drill in its metadata and pods' RunWith. */
  readonly edit: (healthy: CfnTemplate) => void;
  /** The check `lab doctor --offline` names the mistake with, and what it must say. */
  readonly doctor: { readonly check: string; readonly names: RegExp };
}

const CASES: DrillCase[] = [
  {
    drill: Drill.IRSA_AUD_TYPO,
    stack: IRSA,
    edit: (t) => {
      const conditions = trustConditionsOf(t);
      conditions.Properties = replaced(conditions.Properties, 'sts.amazonaws.com', 'sts.amazon.com');
    },
    doctor: {
      check: 'EKSIRSA4 trust conditions match the token',
      names: /requires aud \["sts\.amazon\.com"\] under StringEquals, .*: 'sts\.amazon\.com' is the common typo .*AccessDenied/,
    },
  },
  {
    drill: Drill.IRSA_CLIENT_ID_TYPO,
    stack: IRSA,
    edit: (t) => (oidcProviderOf(t).Properties.ClientIdList = ['sts.amazon.com']),
    doctor: {
      check: 'EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com',
      names: /lists client ids \[sts\.amazon\.com\].*Incorrect token audience/,
    },
  },
  {
    drill: Drill.IRSA_WRONG_NAMESPACE,
    stack: IRSA,
    edit: (t) => {
      const conditions = trustConditionsOf(t);
      conditions.Properties = replaced(conditions.Properties, 'system:serviceaccount:irsa:', 'system:serviceaccount:default:');
    },
    doctor: {
      check: 'EKSIRSA4 trust conditions match the token',
      names:
        /requires sub \["system:serviceaccount:default:eks-iam-test"\] .*: it names namespace 'default', where the service account is in 'irsa'/,
    },
  },
  {
    drill: Drill.IRSA_NO_ANNOTATION,
    stack: IRSA,
    edit: (t) => {
      // The manifest joins the role's ARN into the annotation; without it, the manifest is plain text.
      const identity = identityOf(t);
      const [, parts] = identity.Properties.Manifest['Fn::Join'];
      const objects = JSON.parse(parts.map((part: unknown) => (typeof part === 'string' ? part : 'ROLE_ARN')).join(''));
      const account = objects.find((o: { kind: string }) => o.kind === 'ServiceAccount');
      expect(account.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'ROLE_ARN' });
      delete account.metadata.annotations;
      identity.Properties.Manifest = JSON.stringify(objects);
      delete podsOf(t, ScenarioId.IRSA).Properties[LabPodsProperty.WAIT_FOR_INJECTION];
    },
    doctor: { check: 'role annotation', names: /has no eks\.amazonaws\.com\/role-arn annotation.*falls back to the node role/ },
  },
  {
    drill: Drill.IRSA_NO_OIDC_PROVIDER,
    stack: IRSA,
    edit: (t) => (oidcProviderOf(t).Properties.Url = ANOTHER_CLUSTERS_ISSUER),
    doctor: {
      check: 'EKSIRSA3 OIDC provider registered with client id sts.amazonaws.com',
      names:
        /IAM has no OIDC provider for the issuer https:\/\/oidc\.eks\.us-east-2\.amazonaws\.com\/id\/\w+ .* IAM registers other issuers of oidc\.eks\.us-east-2\.amazonaws\.com: https:\/\/oidc\.eks\.us-east-2\.amazonaws\.com\/id\/0{32};/,
    },
  },
  {
    drill: Drill.POD_IDENTITY_NO_TAG_SESSION,
    stack: POD_IDENTITY,
    edit: (t) => (roleOf(t).Properties.AssumeRolePolicyDocument.Statement[0].Action = 'sts:AssumeRole'),
    doctor: {
      check: "EKSPI1 association's role trusts pods.eks.amazonaws.com",
      names: /trusts pods\.eks\.amazonaws\.com without sts:TagSession/,
    },
  },
  {
    drill: Drill.POD_IDENTITY_PODS_FIRST,
    stack: POD_IDENTITY,
    edit: (t) => {
      const association = associationIdOf(t);
      const podsId = podsIdOf(t, ScenarioId.POD_IDENTITY);
      const pods = t.Resources[podsId];
      delete pods.Properties[LabPodsProperty.WAIT_FOR_INJECTION];
      pods.DependsOn = pods.DependsOn.filter((id: string) => id !== association);
      t.Resources[association].DependsOn = [podsId];
    },
    doctor: {
      check: 'EKSCRED1 pod predates its credential configuration',
      names:
        /pod pod-identity\/eks-iam-test7: Service account pod-identity\/eks-iam-test is configured for EKS Pod Identity \(association eks-oidc-demo-pod-identity\/Association\), but the pod has no AWS_CONTAINER_CREDENTIALS_FULL_URI: it was created before/,
    },
  },
];

test('every drill has a case here, a guide and an outcome', () => {
  expect(CASES.map((c) => c.drill).sort()).toEqual(Object.values(Drill).sort());
  expect(Object.keys(DRILLS).sort()).toEqual(Object.values(Drill).sort());
  expect(Object.keys(DRILL_OUTCOMES).sort()).toEqual(Object.values(Drill).sort());
});

test.each(CASES.map((c) => [c.drill, c.stack] as const))('drill %s belongs to the scenario of %s, and only there', (drill, stack) => {
  expect(drillStackName(drill)).toBe(stack);
  expect(drillDeployCommand(drill)).toBe(`npx cdk deploy ${stack} -c drill=${drill}`);
  for (const id of Object.values(ScenarioId)) expect(drillFor(drill, id)).toBe(id === DRILL_OUTCOMES[drill].scenario ? drill : undefined);
  expect(drillFor(undefined, DRILL_OUTCOMES[drill].scenario)).toBeUndefined();
});

describe.each(CASES)('drill $drill', ({ drill, stack, edit, doctor }) => {
  let healthy: Record<string, string>;
  let drilled: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    const healthyDir = await synthLab();
    dir = await synthLab({ drill });
    healthy = templateFiles(healthyDir);
    drilled = templateFiles(dir);
  }, 60_000);

  test('leaves the cluster stack byte-identical and every other stack unchanged', () => {
    expect(Object.keys(drilled).sort()).toEqual(Object.keys(healthy).sort());
    for (const name of Object.keys(healthy).filter((n) => n !== stack)) expect([name, drilled[name]]).toEqual([name, healthy[name]]);
    expect(drilled['eks-oidc-demo']).toBe(healthy['eks-oidc-demo']);
  });

  test(`changes ${stack} exactly as the mistake does, records the drill and runs the pods again`, () => {
    // GIVEN the healthy stack
    const expected: CfnTemplate = JSON.parse(healthy[stack]);
    // WHEN the mistake is made by hand, the drill recorded in the metadata and in the pods' RunWith
    edit(expected);
    expected.Metadata = { ...expected.Metadata, [DRILL_METADATA_KEY]: drill };
    const pods = podsOf(expected, DRILL_OUTCOMES[drill].scenario);
    pods.Properties[LabPodsProperty.RUN_WITH] = { ...pods.Properties[LabPodsProperty.RUN_WITH], drill };
    // THEN that is the drilled stack, to the last property
    expect(JSON.parse(drilled[stack])).toEqual(expected);
    expect(JSON.parse(healthy[stack]).Metadata?.[DRILL_METADATA_KEY]).toBeUndefined();
  });

  test('adds no pod: a drill changes what the pods get, never which pods run', () => {
    const pods = (text: string) => {
      const resource = podsOf(JSON.parse(text), DRILL_OUTCOMES[drill].scenario);
      return [resource.Properties[LabPodsProperty.MANIFEST], resource.Properties[LabPodsProperty.RUN_ONCE]];
    };
    expect(pods(drilled[stack])).toEqual(pods(healthy[stack]));
  });

  test('passes cdk-nag AWS Solutions: no drill widens what an identity may do', async () => {
    const lab = await buildTestLab({ drill });
    const report = new AwsSolutionsChecks().validateScope(lab.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test(`fails lab doctor --offline, naming the mistake in '${doctor.check}' with its fix`, async () => {
    const terminal = new CapturedTerminal();
    const unused = () => {
      throw new Error('offline doctor must not reach AWS or the cluster');
    };
    const code = await runDoctor({ assembly: dir, offline: true }, { out: terminal.output(true), aws: unused, kube: unused });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const failed: { scope: string; check: string; detail: string; fix: string }[] = terminal
      .json()
      .findings.filter((f: { ok: boolean }) => !f.ok);
    const scope = DRILL_OUTCOMES[drill].scenario;
    expect(failed).toContainEqual({
      scope,
      check: doctor.check,
      ok: false,
      detail: expect.stringMatching(doctor.names),
      fix: expect.any(String),
    });
    expect(failed).toContainEqual({
      scope,
      check: 'drill',
      ok: false,
      detail: `${stack} was synthesized with -c drill=${drill}, which breaks it on purpose: ${DRILLS[drill].breaks}`,
      fix: expect.stringContaining(`Back to the healthy lab: \`npx cdk deploy ${stack}\`, without -c drill.`),
    });
    // Nothing outside the drill's scenario is reported.
    expect(failed.filter((f) => f.scope !== scope)).toEqual([]);
  });
});

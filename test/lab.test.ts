import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SCENARIOS, Scenario } from '../lib/scenarios';
import { validateKubeObject } from './kube-schema';
import { appliedManifests, buildTestLab, kubeObjects, SynthesizedLab, LAB_STACKS } from './util';

/** Every pod a scenario runs: its s3 ls and sleep pods, or its probes. */
function podsOf(scenario: Scenario): string[] {
  if (scenario.probes) return scenario.probes.map((probe) => probe.pod);
  return [scenario.s3LsPod, scenario.sleepPod].filter((name): name is string => name !== undefined);
}

describe('the whole lab', () => {
  let lab: SynthesizedLab;
  let templates: Record<string, Template>;
  beforeAll(async () => {
    lab = await buildTestLab();
    templates = Object.fromEntries(Object.entries(lab.byName).map(([name, stack]) => [name, Template.fromStack(stack)]));
  });

  test('is one cluster stack and one stack per credential mode', () => {
    expect(Object.keys(templates).sort()).toEqual([...LAB_STACKS].sort());
  });

  test('scenario stacks depend on the cluster stack, never the other way round', () => {
    expect(lab.stacks.cluster.dependencies).toEqual([]);
    const dependencies = Object.fromEntries(lab.stacks.scenarios.map((s) => [s.stackName, s.dependencies.map((d) => d.node.id).sort()]));
    expect(dependencies).toEqual({
      'eks-oidc-demo-node-role': ['eks-oidc-demo'],
      'eks-oidc-demo-secret-injected': ['eks-oidc-demo'],
      'eks-oidc-demo-irsa': ['eks-oidc-demo'],
      'eks-oidc-demo-pod-identity': ['eks-oidc-demo'],
      'eks-oidc-demo-pod-identity-advanced': ['eks-oidc-demo'],
      // It trusts the OIDC provider the IRSA stack registers.
      'eks-oidc-demo-precedence': ['eks-oidc-demo', 'eks-oidc-demo-irsa'],
    });
  });

  test.each(SCENARIOS.map((s) => [s.id, s] as const))('scenario %s runs its pods in its namespace, in its stack', (_id, scenario) => {
    const objects = kubeObjects(templates[scenario.stackName]);
    const inNamespace = objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === scenario.namespace).map((o) => o.metadata.name);
    // Scenarios that share a namespace share a stack, and the namespace holds exactly their pods.
    const sharing = SCENARIOS.filter((s) => s.namespace === scenario.namespace);
    expect(new Set(sharing.map((s) => s.stackName))).toEqual(new Set([scenario.stackName]));
    expect(inNamespace.sort()).toEqual(sharing.flatMap((s) => podsOf(s)).sort());
    expect(objects.filter((o) => o.kind === 'Namespace' && o.metadata.name === scenario.namespace)).toHaveLength(1);
  });

  test('no two scenarios share a pod name, and only scenarios of one stack share a namespace', () => {
    const pods = SCENARIOS.flatMap((s) => podsOf(s));
    expect(new Set(pods).size).toBe(pods.length);
    const stacksByNamespace = new Map<string, Set<string>>();
    for (const s of SCENARIOS) stacksByNamespace.set(s.namespace, (stacksByNamespace.get(s.namespace) ?? new Set()).add(s.stackName));
    for (const stacks of stacksByNamespace.values()) expect(stacks.size).toBe(1);
  });

  test('every Kubernetes object every stack applies is valid against the Kubernetes schema', () => {
    const objects = Object.values(templates).flatMap(kubeObjects);
    expect(objects.length).toBeGreaterThanOrEqual(15);
    for (const object of objects) {
      expect(() => validateKubeObject(object)).not.toThrow();
    }
  });

  test('every pod is applied by a manifest that depends on the one creating its namespace', () => {
    for (const template of Object.values(templates)) {
      const manifests = appliedManifests(template);
      for (const manifest of manifests.filter((m) => m.objects.some((o) => o.kind === 'Pod'))) {
        const namespaces = new Set(manifest.objects.map((o) => o.metadata.namespace));
        for (const namespace of namespaces) {
          const creator = manifests.find((m) => m.objects.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace));
          expect(manifest.dependsOn).toContain(creator?.logicalId);
        }
      }
    }
  });

  test('cdk-nag AWS Solutions finds nothing that is not acknowledged with a reason', () => {
    const report = new AwsSolutionsChecks().validateScope(lab.app);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('every lab identity may do one thing: s3:ListAllMyBuckets', () => {
    const scenarioActions = ['eks-oidc-demo-irsa', 'eks-oidc-demo-pod-identity', 'eks-oidc-demo-secret-injected'].map((name) =>
      grantedTo(templates[name], /S3List|User/),
    );
    for (const actions of scenarioActions) expect(actions).toEqual(['s3:ListAllMyBuckets']);
  });

  test('no output of any stack carries secret material', () => {
    for (const template of Object.values(templates)) {
      const outputs = JSON.stringify(template.toJSON().Outputs ?? {});
      expect(outputs).not.toMatch(/SecretAccessKey|SecretString|AccessKey/);
    }
  });

  test('no manifest applied through the kubectl handler holds a Secret with data, because that handler logs its event', () => {
    for (const template of Object.values(templates)) {
      for (const object of kubeObjects(template).filter((o) => o.kind === 'Secret')) {
        expect([object.metadata.name, object.data, object.stringData]).toEqual([object.metadata.name, undefined, undefined]);
      }
    }
  });

  test.each(LAB_STACKS)('stack %s matches its snapshot', (name) => {
    expect(templates[name].toJSON()).toMatchSnapshot();
  });
});

describe('the cdk-nag check itself', () => {
  test('fails a stack that grants a wildcard action', () => {
    const app = new App();
    const stack = new Stack(app, 'Planted');
    new iam.Role(stack, 'TooBroad', { assumedBy: new iam.AccountRootPrincipal() }).addToPolicy(
      new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] }),
    );
    app.synth();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toContain('AwsSolutions-IAM5[Action::s3:*]');
  });
});

/** The actions granted by the policies attached to roles or users whose logical id matches. */
function grantedTo(template: Template, identity: RegExp): string[] {
  const resources = template.toJSON().Resources;
  const actions = Object.values(resources)
    .filter((r: any) => r.Type === 'AWS::IAM::Policy')
    .filter((r: any) => [...(r.Properties.Roles ?? []), ...(r.Properties.Users ?? [])].some((ref: any) => identity.test(ref.Ref ?? '')))
    .flatMap((r: any) => r.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Action].flat()));
  return [...new Set(actions)].sort() as string[];
}

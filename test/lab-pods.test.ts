import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ImdsMode } from '../lib/lab-config';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { SCENARIOS } from '../lib/scenarios';
import { KUBERNETES_RESOURCE_TYPE } from '../lib/cli/assembly';
import { SynthesizedLab, appliedManifests, buildTestLab } from './util';

// Each lab synthesizes every stack: generous on a busy machine.
jest.setTimeout(180_000);

/** Every `Custom::LabPods` of every scenario stack, by `stack/logicalId`. */
function labPods(lab: SynthesizedLab): Record<string, { [key: string]: any }> {
  return Object.fromEntries(
    lab.stacks.scenarios.flatMap((stack: Stack) =>
      Object.entries(Template.fromStack(stack).findResources(LAB_PODS_RESOURCE_TYPE)).map(([id, r]) => [`${stack.stackName}/${id}`, r]),
    ),
  );
}

describe('the pods of every scenario', () => {
  let lab: SynthesizedLab;
  beforeAll(async () => {
    lab = await buildTestLab();
  });

  test('are created by Custom::LabPods, never applied through the kubectl provider, which would not run them again', () => {
    for (const stack of lab.stacks.scenarios) {
      const template = Template.fromStack(stack);
      const json = template.toJSON();
      for (const manifest of appliedManifests(template)) {
        const type = json.Resources[manifest.logicalId].Type;
        const kinds = manifest.objects.map((o) => o.kind);
        if (kinds.includes('Pod'))
          expect({ stack: stack.stackName, type, kinds: [...new Set(kinds)] }).toEqual({
            stack: stack.stackName,
            type: LAB_PODS_RESOURCE_TYPE,
            kinds: ['Pod'],
          });
        else expect(type).toBe(KUBERNETES_RESOURCE_TYPE);
      }
    }
    // one per scenario
    expect(Object.keys(labPods(lab))).toHaveLength(SCENARIOS.length);
  });

  test('each stack has one pods function, whose access entry reaches only its own namespaces', () => {
    for (const stack of lab.stacks.scenarios) {
      const template = Template.fromStack(stack);
      const namespaces = [
        ...new Set(Object.values(template.findResources(LAB_PODS_RESOURCE_TYPE)).map((r) => r.Properties[LabPodsProperty.NAMESPACE])),
      ];
      template.resourcePropertiesCountIs('AWS::Lambda::Function', { Handler: 'lab_pods.on_event' }, 1);
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'lab_pods.on_event' } }));
      const [entry] = Object.values(template.findResources('AWS::EKS::AccessEntry', { Properties: { PrincipalArn: fn.Properties.Role } }));
      expect(entry.Properties.AccessPolicies).toEqual([
        expect.objectContaining({ AccessScope: { Type: 'namespace', Namespaces: namespaces } }),
      ]);
    }
  });

  test('wait for the webhook only where a credential mode depends on it', () => {
    const waits = Object.fromEntries(
      Object.values(labPods(lab)).map((r) => [
        r.Properties[LabPodsProperty.RUN_ONCE][0],
        r.Properties[LabPodsProperty.WAIT_FOR_INJECTION]?.EnvVar,
      ]),
    );
    expect(waits).toEqual({
      'eks-iam-test1': undefined,
      'eks-iam-bystander': undefined,
      'eks-iam-test5': undefined,
      'eks-iam-test3': 'AWS_ROLE_ARN',
      'eks-iam-test7': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-test9': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-test10': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-team-a-own': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-team-b-own': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-chain-ls': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
      'eks-iam-session-ls': 'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    });
  });
});

describe('flipping a toggle runs every scenario pod again', () => {
  let before: Record<string, { [key: string]: any }>;
  beforeAll(async () => {
    before = labPods(await buildTestLab());
  });

  test.each([
    [{ imds: ImdsMode.LOCKED }, { imds: 'locked', nodeRoleS3Access: 'false' }],
    [{ nodeRoleS3Access: true }, { imds: 'open', nodeRoleS3Access: 'true' }],
  ])(
    'GIVEN %p WHEN deployed THEN every Custom::LabPods changes, so CloudFormation updates it and the pods are created anew',
    async (toggle, runWith) => {
      // WHEN
      const after = labPods(await buildTestLab(toggle));
      // THEN the same resources, each with a changed property: an Update, not a replacement
      expect(Object.keys(after)).toEqual(Object.keys(before));
      for (const [id, resource] of Object.entries(after)) {
        expect({ id, runWith: resource.Properties[LabPodsProperty.RUN_WITH] }).toEqual({ id, runWith });
        expect(resource.Properties[LabPodsProperty.RUN_WITH]).not.toEqual(before[id].Properties[LabPodsProperty.RUN_WITH]);
        // The pods themselves keep their names from the post and restartPolicy: Never.
        expect(resource.Properties[LabPodsProperty.MANIFEST]).toEqual(before[id].Properties[LabPodsProperty.MANIFEST]);
      }
    },
  );
});

/** A constant of a cluster handler, as its source sets it. */
function handlerConstant(file: 'lab_pods.py' | 'kube.py', constant: string): number {
  const source = readFileSync(join(__dirname, '..', 'lib', 'app', 'cluster-handlers', file), 'utf8');
  const match = new RegExp(`^${constant} = (\\d+)$`, 'm').exec(source);
  if (!match) throw new Error(`${constant} is not set in ${file}`);
  return Number(match[1]);
}

/**
 * The longest one invocation of the pods handler can run for a resource: each step stops at its
 * own deadline, which bounds the commands and retries inside it (lab_pods.py).
 */
function podsWorstCase(properties: { [key: string]: any }): number {
  const lab = (constant: string) => handlerConstant('lab_pods.py', constant);
  const login = handlerConstant('kube.py', 'COMMAND_TIMEOUT_SECONDS');
  const gate = Number(properties[LabPodsProperty.WAIT_FOR_INJECTION]?.TimeoutSeconds ?? 0);
  const runOnce = properties[LabPodsProperty.RUN_ONCE].length;
  return (
    login +
    gate +
    lab('DELETE_TIMEOUT_SECONDS') +
    lab('CREATE_TIMEOUT_SECONDS') +
    runOnce * (lab('CREATE_TIMEOUT_SECONDS') + lab('FINISH_TIMEOUT_SECONDS'))
  );
}

// Lambda's longest timeout, which the provider framework's own function has.
const LAMBDA_MAX_SECONDS = 900;
// Room for a cold start (layers unpacked) and the handler's answer on top of its deadlines.
const START_AND_ANSWER_SECONDS = 60;

describe('no hang costs an hour: every pod resource ends within Lambda’s 15 minutes, retries included', () => {
  let lab: SynthesizedLab;
  beforeAll(async () => {
    lab = await buildTestLab();
  });

  test('its deadlines add up to less than the function timeout, which ends before the framework’s', () => {
    const worst: Record<string, number> = {};
    for (const stack of lab.stacks.scenarios) {
      const template = Template.fromStack(stack);
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'lab_pods.on_event' } }));
      expect(fn.Properties.Timeout).toBeLessThan(LAMBDA_MAX_SECONDS);
      for (const [id, pods] of Object.entries(template.findResources(LAB_PODS_RESOURCE_TYPE))) {
        worst[`${stack.stackName}/${id}`] = podsWorstCase(pods.Properties);
        expect(worst[`${stack.stackName}/${id}`] + START_AND_ANSWER_SECONDS).toBeLessThanOrEqual(fn.Properties.Timeout);
        // CloudFormation gives up once the framework can no longer answer, not after its default hour.
        expect(Number(pods.Properties.ServiceTimeout)).toBeGreaterThanOrEqual(fn.Properties.Timeout);
        expect(Number(pods.Properties.ServiceTimeout)).toBeLessThanOrEqual(LAMBDA_MAX_SECONDS);
      }
    }
    // the advanced stack's two-probe resources are the longest
    const longest = Object.entries(worst).sort(([, a], [, b]) => b - a)[0];
    expect(longest[0]).toMatch(/advanced/);
  });

  test('the secret writer’s one kubectl call, with every retry, ends within its function timeout', () => {
    const stack = lab.stacks.scenarios.find(
      (s) => Object.keys(Template.fromStack(s).findResources('Custom::KubernetesSecretWriter')).length,
    )!;
    const template = Template.fromStack(stack);
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: 'secret_writer.on_event' } }));
    const [writer] = Object.values(template.findResources('Custom::KubernetesSecretWriter'));
    const command = handlerConstant('kube.py', 'COMMAND_TIMEOUT_SECONDS');
    const attempts = handlerConstant('kube.py', 'ATTEMPTS');
    // login, then kubectl apply: every attempt may run to the command timeout, with a pause between
    const worst = command + attempts * command + (attempts - 1) * handlerConstant('kube.py', 'RETRY_DELAY_SECONDS');
    expect(worst + START_AND_ANSWER_SECONDS).toBeLessThanOrEqual(fn.Properties.Timeout);
    expect(Number(writer.Properties.ServiceTimeout)).toBeGreaterThanOrEqual(fn.Properties.Timeout);
    expect(Number(writer.Properties.ServiceTimeout)).toBeLessThanOrEqual(LAMBDA_MAX_SECONDS);
  });
});

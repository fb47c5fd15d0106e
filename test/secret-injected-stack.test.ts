import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LAB_CLUSTER } from '../lib/cluster-contract';
import { DEFAULT_AWS_CLI_IMAGE, ImdsMode } from '../lib/lab-config';
import { ScenarioId, scenario } from '../lib/scenarios';
import { SecretInjectedStack } from '../lib/app/secret-injected-stack';
import { SECRET_WRITER_RESOURCE_TYPE } from '../lib/app/secret-writer';
import { CDK_JSON_CONTEXT, kubeObject, kubeObjects, logicalIdsOf, manifestApplying, renderTokens } from './util';

const SECRET_INJECTED = scenario(ScenarioId.SECRET_INJECTED);
/** The Kubernetes Secret the lesson names. */
const K8S_SECRET = 'aws-static-keys';
const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every IAM statement the template grants, wherever it lives. */
function allStatements(template: Template): Statement[] {
  const resources = Object.values(template.toJSON().Resources as Record<string, any>);
  return resources.flatMap((resource) => {
    const props = resource.Properties ?? {};
    const documents = [props.PolicyDocument, ...(props.Policies ?? []).map((p: any) => p.PolicyDocument)];
    return resource.Type.startsWith('AWS::IAM::') ? documents.filter(Boolean).flatMap((d: any) => d.Statement) : [];
  });
}

function actionsOf(statement: Statement): string[] {
  return ([] as string[]).concat(statement.Action);
}

/** Every string leaf of a JSON value, with the path that leads to it. */
function stringLeaves(value: unknown, at: string[] = []): Array<{ path: string[]; value: string }> {
  if (typeof value === 'string') return [{ path: at, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringLeaves(v, [...at, String(i)]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringLeaves(v, [...at, k]));
  return [];
}

/** The writer function's entry point in lib/app/cluster-handlers. */
const WRITER_ENTRY_POINT = 'secret_writer.on_event';

describe('secret-injected stack', () => {
  let stack: SecretInjectedStack;
  let template: Template;
  let writerId: string;
  let writer: any;

  beforeAll(() => {
    // GIVEN the stack on its own: it imports the cluster through the cluster stack's exports
    const app = new App({ context: CDK_JSON_CONTEXT, outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'secret-injected-')) });
    stack = new SecretInjectedStack(app, SECRET_INJECTED.stackName, {
      env: { region: LAB_CLUSTER.region },
      image: DEFAULT_AWS_CLI_IMAGE,
      toggles: { imds: ImdsMode.OPEN, nodeRoleS3Access: false },
    });
    // WHEN
    template = Template.fromStack(stack);
    const writers = template.findResources(SECRET_WRITER_RESOURCE_TYPE);
    expect(Object.keys(writers)).toHaveLength(1);
    [[writerId, writer]] = Object.entries(writers);
  });

  describe('the IAM user and its key', () => {
    test('the user may only s3:ListAllMyBuckets, on *', () => {
      // THEN
      const [userId] = logicalIdsOf(template, 'AWS::IAM::User');
      template.resourceCountIs('AWS::IAM::User', 1);
      template.hasResourceProperties('AWS::IAM::User', {
        ManagedPolicyArns: Match.absent(),
        Policies: Match.absent(),
        Groups: Match.absent(),
      });
      const userPolicies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Users: [{ Ref: userId }] } }));
      expect(userPolicies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        { Action: 's3:ListAllMyBuckets', Effect: 'Allow', Resource: '*' },
      ]);
    });

    test('no statement anywhere in the stack has a wildcard action', () => {
      // THEN
      const statements = allStatements(template);
      expect(statements.length).toBeGreaterThanOrEqual(5);
      for (const statement of statements) {
        for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      }
    });

    test('the Secrets Manager secret holds references to the access key, never its value', () => {
      // THEN
      const [keyId] = logicalIdsOf(template, 'AWS::IAM::AccessKey');
      const [secret] = Object.values(template.findResources('AWS::SecretsManager::Secret'));
      expect(JSON.parse(renderTokens(secret.Properties.SecretString))).toEqual({
        AWS_ACCESS_KEY_ID: `\${${keyId}}`,
        AWS_SECRET_ACCESS_KEY: `\${${keyId}.SecretAccessKey}`,
      });
    });

    test('only the Secrets Manager secret reads the secret access key', () => {
      // THEN
      const readers = Object.entries(template.toJSON().Resources as Record<string, any>)
        .filter(([, resource]) => JSON.stringify(resource).includes('"SecretAccessKey"'))
        .map(([, resource]) => resource.Type);
      expect(readers).toEqual(['AWS::SecretsManager::Secret']);
    });

    test('no key material appears anywhere in the template', () => {
      // THEN
      const text = JSON.stringify(template.toJSON());
      expect(text).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/);
      // A secret access key is 40 characters of base64 with both cases and digits.
      const candidates = text.match(/(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/g) ?? [];
      expect(candidates.filter((c) => /[A-Z]/.test(c) && /[a-z]/.test(c) && /[0-9]/.test(c))).toEqual([]);
    });

    test('no output exposes the key or the secret', () => {
      // THEN
      const outputs = JSON.stringify(template.toJSON().Outputs ?? {});
      const [keyId] = logicalIdsOf(template, 'AWS::IAM::AccessKey');
      const [secretId] = logicalIdsOf(template, 'AWS::SecretsManager::Secret');
      expect(outputs).not.toContain(keyId);
      expect(outputs).not.toContain(secretId);
      expect(outputs).not.toContain('SecretAccessKey');
    });
  });

  describe('the Kubernetes Secret stays out of the kubectl handler', () => {
    test('no manifest applied through the CDK kubectl handler holds a Secret', () => {
      // THEN
      const objects = kubeObjects(template);
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
    });

    test('the key variable names appear in manifests only as env names and secretKeyRef keys', () => {
      // THEN
      const uses = stringLeaves(kubeObjects(template)).filter((leaf) => KEY_VARIABLES.some((v) => leaf.value.includes(v)));
      expect(uses.length).toBe(2 * 2 * KEY_VARIABLES.length);
      for (const use of uses) {
        const tail = use.path.slice(-3).join('.');
        expect(tail).toMatch(/^(env\.\d+\.name|valueFrom\.secretKeyRef\.key)$/);
        expect(KEY_VARIABLES).toContain(use.value);
      }
    });

    test.each([SECRET_INJECTED.s3LsPod, SECRET_INJECTED.sleepPod!])(
      'pod %s reads the keys from aws-static-keys through secretKeyRef',
      (name) => {
        // THEN
        const pod = kubeObject(template, 'Pod', name);
        expect(pod.metadata.namespace).toBe('secret-injected');
        const [container] = pod.spec.containers;
        expect(container.env).toEqual(
          expect.arrayContaining(
            KEY_VARIABLES.map((variable) => ({ name: variable, valueFrom: { secretKeyRef: { name: K8S_SECRET, key: variable } } })),
          ),
        );
        expect(container.env).toContainEqual({ name: 'AWS_DEFAULT_REGION', value: 'us-east-2' });
      },
    );

    test('the s3 ls pod runs once, as in the post', () => {
      // THEN
      const pod = kubeObject(template, 'Pod', 'eks-iam-test5');
      expect(pod.spec.restartPolicy).toBe('Never');
      expect(pod.spec.containers[0].args).toEqual(['s3', 'ls']);
      expect(pod.spec.containers[0].image).toBe(DEFAULT_AWS_CLI_IMAGE);
    });
  });

  describe('the secret writer', () => {
    test('carries only names and an ARN in its properties', () => {
      // THEN
      const [secretId] = logicalIdsOf(template, 'AWS::SecretsManager::Secret');
      expect(Object.keys(writer.Properties).sort()).toEqual([
        'ClusterName',
        'Namespace',
        'SecretName',
        'ServiceTimeout',
        'ServiceToken',
        'SourceSecretArn',
      ]);
      expect(writer.Properties).toMatchObject({
        ClusterName: 'eks-oidc-demo',
        Namespace: 'secret-injected',
        SecretName: K8S_SECRET,
        SourceSecretArn: { Ref: secretId },
      });
    });

    test('runs after the namespace exists', () => {
      // THEN
      const namespace = manifestApplying(template, 'Namespace', 'secret-injected');
      expect(writer.DependsOn).toContain(namespace.logicalId);
    });

    test('runs after its access entry exists, and so is deleted before it', () => {
      // THEN
      const [entryId] = logicalIdsOf(template, 'AWS::EKS::AccessEntry').filter((id) => id.startsWith('StaticKeysWriter'));
      expect(writer.DependsOn).toContain(entryId);
    });

    test('the pods are created only after the Kubernetes Secret is written', () => {
      // THEN
      for (const pod of [SECRET_INJECTED.s3LsPod, SECRET_INJECTED.sleepPod!]) {
        expect(manifestApplying(template, 'Pod', pod).dependsOn).toContain(writerId);
      }
    });

    test('its function reaches the cluster through a namespace-scoped edit access entry', () => {
      // THEN
      // one for the writer, one for the function that creates the pods
      template.resourceCountIs('AWS::EKS::AccessEntry', 2);
      const [handler] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: WRITER_ENTRY_POINT } }));
      template.hasResourceProperties('AWS::EKS::AccessEntry', {
        ClusterName: 'eks-oidc-demo',
        PrincipalArn: handler.Properties.Role,
        AccessPolicies: [
          {
            AccessScope: { Type: 'namespace', Namespaces: ['secret-injected'] },
            PolicyArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSEditPolicy']] },
          },
        ],
      });
    });

    test('its function may read that one secret and describe that one cluster', () => {
      // THEN
      const [secretId] = logicalIdsOf(template, 'AWS::SecretsManager::Secret');
      const statements = allStatements(template);
      const secretReads = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
      expect(secretReads).toEqual([{ Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secretId } }]);
      // the writer's and the pods function's: each may describe the one cluster, nothing more
      const describes = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('eks:')));
      expect(describes).toHaveLength(2);
      for (const describe of describes) {
        expect(actionsOf(describe)).toEqual(['eks:DescribeCluster']);
        expect(renderTokens(describe.Resource)).toBe('arn:aws:eks:us-east-2:${AWS::AccountId}:cluster/eks-oidc-demo');
      }
    });

    test('its function runs kubectl and the AWS CLI from layers, on Python', () => {
      // THEN
      const [handler] = Object.values(template.findResources('AWS::Lambda::Function', { Properties: { Handler: WRITER_ENTRY_POINT } }));
      expect(handler.Properties.Runtime).toMatch(/^python3\.\d+$/);
      const layers = handler.Properties.Layers.map((l: { Ref: string }) => template.toJSON().Resources[l.Ref].Properties.Description);
      expect(layers).toEqual(expect.arrayContaining([expect.stringContaining('/opt/kubectl/kubectl 1.35'), '/opt/awscli/aws']));
    });

    test('every function logs to a log group of this stack, so none is created outside it', () => {
      // THEN
      const functions = Object.values(template.findResources('AWS::Lambda::Function'));
      const logGroups = logicalIdsOf(template, 'AWS::Logs::LogGroup');
      // the writer and the pods function, each behind the provider framework's own function
      expect(functions.length).toBe(4);
      for (const fn of functions) expect(logGroups).toContain(fn.Properties.LoggingConfig?.LogGroup?.Ref);
    });
  });

  test('everything is deleted with the stack', () => {
    // THEN
    const resources = Object.entries(template.toJSON().Resources as Record<string, any>);
    for (const [, resource] of resources) {
      expect([undefined, 'Delete']).toContain(resource.DeletionPolicy);
      expect([undefined, 'Delete']).toContain(resource.UpdateReplacePolicy);
    }
    // The CDK retains these types unless told otherwise; each is set explicitly here.
    for (const type of [
      'AWS::Logs::LogGroup',
      'AWS::SecretsManager::Secret',
      'AWS::IAM::User',
      'AWS::IAM::AccessKey',
      'AWS::EKS::AccessEntry',
      SECRET_WRITER_RESOURCE_TYPE,
    ]) {
      const ofType = Object.values(template.findResources(type));
      expect(ofType.length).toBeGreaterThan(0);
      for (const resource of ofType) expect(resource.DeletionPolicy).toBe('Delete');
    }
  });

  test('log groups keep a day of logs', () => {
    // THEN
    for (const logGroup of Object.values(template.findResources('AWS::Logs::LogGroup'))) {
      expect(logGroup.Properties.RetentionInDays).toBe(1);
    }
  });

  test('cdk-nag AWS Solutions has no unacknowledged finding', () => {
    // THEN
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('every acknowledged finding gives a reason', () => {
    // THEN
    const acknowledgements = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    expect(acknowledgements.map(([id]) => id).sort()).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<LabPodsProviderHandler.*\.Arn>:\*\]$/),
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<StaticKeysWriterHandler.*\.Arn>:\*\]$/),
      'AwsSolutions-L1',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
    ]);
    for (const [, reason] of acknowledgements) expect(reason.length).toBeGreaterThan(40);
  });
});

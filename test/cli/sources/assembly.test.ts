import { LabAssembly } from '../../../lib/cli/assembly';
import { modelFromAssembly } from '../../../lib/cli/sources/assembly';
import { Pod, SourceKind } from '../../../lib/model/cluster-model';
import { Mechanism, effectiveCredential } from '../../../lib/model/effective-credential';
import { LAB_PODS_RESOURCE_TYPE } from '../../../lib/lab-names';
import { copyAssembly, editTemplate, synthLab } from '../support/assembly';

const POD_IDENTITY = 'eks-oidc-demo-pod-identity';
const IRSA = 'eks-oidc-demo-irsa';

let synthesized: string;
beforeAll(async () => {
  synthesized = await synthLab();
}, 300_000);

const envOf = (pod: Pod | undefined) =>
  Object.fromEntries((pod?.containers[0].env ?? []).map((env) => [env.name, env.value ?? `<${env.from}>`]));
const podNamed = (model: ReturnType<typeof modelFromAssembly>, namespace: string, name: string) =>
  model.pods.find((pod) => pod.namespace === namespace && pod.name === name);

describe('the assembly source', () => {
  test('GIVEN the synthesized lab WHEN modelled THEN the IRSA pods carry what the webhook injects for the annotated role', () => {
    const model = modelFromAssembly(LabAssembly.read(synthesized));
    const account = model.serviceAccounts.find((sa) => sa.namespace === 'irsa' && sa.name === 'eks-iam-test');
    // CloudFormation names a role without RoleName after its stack and logical id; synth knows no account.
    expect(account?.roleArn).toMatch(/^arn:aws:iam::\$\{AWS::AccountId\}:role\/eks-oidc-demo-irsa-S3ListRole\w+$/);
    expect(envOf(podNamed(model, 'irsa', 'eks-iam-test3'))).toEqual({
      AWS_ROLE_ARN: account!.roleArn,
      AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
    });
    const role = model.roles.find((candidate) => candidate.arn === account!.roleArn);
    expect(JSON.stringify(role?.trust)).toContain('sts:AssumeRoleWithWebIdentity');
    expect(model.source).toBe(SourceKind.ASSEMBLY);
  });

  test('GIVEN a service account with both an annotation and an association WHEN modelled THEN its pods get Pod Identity alone', () => {
    const model = modelFromAssembly(LabAssembly.read(synthesized));
    const env = envOf(podNamed(model, 'precedence', 'eks-iam-test10'));
    expect(env.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe('http://169.254.170.23/v1/credentials');
    expect(env.AWS_ROLE_ARN).toBeUndefined();
  });

  test('GIVEN pods that no longer depend on their association WHEN modelled THEN the webhook finds no association and they fall back to the node', () => {
    const dir = copyAssembly(synthesized);
    editTemplate(dir, POD_IDENTITY, (t) => {
      const association = Object.keys(t.Resources).find(
        (id) => t.Resources[id].Type === 'AWS::EKS::PodIdentityAssociation' && t.Resources[id].Properties.Namespace === 'pod-identity',
      )!;
      const pods = Object.values<any>(t.Resources).find(
        (r) => r.Type === LAB_PODS_RESOURCE_TYPE && JSON.stringify(r.Properties.Manifest).includes('eks-iam-test7'),
      );
      pods.DependsOn = pods.DependsOn.filter((id: string) => id !== association);
      delete pods.Properties.WaitForInjection;
      return t;
    });
    const model = modelFromAssembly(LabAssembly.read(dir));
    const pod = podNamed(model, 'pod-identity', 'eks-iam-test7')!;
    expect(envOf(pod).AWS_CONTAINER_CREDENTIALS_FULL_URI).toBeUndefined();
    expect(effectiveCredential(model, pod).mechanism).toBe(Mechanism.IMDS);
  });

  test("GIVEN the node group's launch template WHEN modelled THEN a node stands for it with its IMDS settings, and the pods run there", () => {
    const model = modelFromAssembly(LabAssembly.read(synthesized));
    expect(model.nodeGroups).toEqual([expect.objectContaining({ metadata: { httpTokens: 'required', hopLimit: 2 } })]);
    expect(model.nodes).toEqual([expect.objectContaining({ metadata: { httpTokens: 'required', hopLimit: 2 } })]);
    expect(new Set(model.pods.map((pod) => pod.nodeName))).toEqual(new Set([model.nodes[0].name]));
    expect(model.addons).toContain('eks-pod-identity-agent');
  });

  test('GIVEN a literal access key in a pod manifest WHEN modelled THEN its name enters the model and its value does not', () => {
    const dir = copyAssembly(synthesized);
    editTemplate(dir, IRSA, (t) => {
      const pods = Object.values<any>(t.Resources).find(
        (r) => r.Type === LAB_PODS_RESOURCE_TYPE && JSON.stringify(r.Properties.Manifest).includes('eks-iam-test3'),
      );
      const objects = JSON.parse(pods.Properties.Manifest);
      objects[0].spec.containers[0].env = [{ name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' }];
      pods.Properties.Manifest = JSON.stringify(objects);
      return t;
    });
    const model = modelFromAssembly(LabAssembly.read(dir));
    expect(envOf(podNamed(model, 'irsa', 'eks-iam-test3')).AWS_ACCESS_KEY_ID).toBe('<literal>');
    expect(JSON.stringify(model)).not.toContain('AKIAIOSFODNN7EXAMPLE');
  });
});

describe('the assembly source with the deployed objects', () => {
  test("GIVEN the cluster's pods and service accounts as kubectl lists them WHEN modelled THEN they replace what the assembly would infer", () => {
    // A pod the webhook did not mutate, as a replay of a deploy could find it: no injected env.
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'irsa', name: 'eks-iam-test3', creationTimestamp: '2026-12-02T08:00:00Z' },
      spec: { serviceAccountName: 'eks-iam-test', containers: [{ name: 'aws-cli', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0' }] },
    };
    const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'irsa', name: 'eks-iam-test' } };
    const model = modelFromAssembly(LabAssembly.read(synthesized), {
      pods: { apiVersion: 'v1', kind: 'List', items: [pod] },
      serviceAccounts: { apiVersion: 'v1', kind: 'List', items: [account] },
    });
    expect(model.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(['irsa/eks-iam-test3']);
    expect(model.pods[0].createdAt).toBe('2026-12-02T08:00:00Z');
    expect(model.serviceAccounts).toEqual([expect.objectContaining({ namespace: 'irsa', name: 'eks-iam-test', roleArn: undefined })]);
    // Roles, providers and the node still come from the templates.
    expect(model.roles.length).toBeGreaterThan(0);
    expect(effectiveCredential(model, model.pods[0]).mechanism).toBe(Mechanism.IMDS);
  });
});

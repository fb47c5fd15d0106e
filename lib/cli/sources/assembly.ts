import {
  Association,
  ClusterModel,
  Container,
  EnvVar,
  KEPT_ENV_VALUES,
  ModelPart,
  Node,
  NodeGroup,
  OidcProvider,
  Pod,
  PolicyDocument,
  Role,
  ServiceAccount,
  SourceKind,
} from '../../model/cluster-model';
import { LAB_CLUSTER } from '../../cluster-contract';
import { IRSA_ROLE_ANNOTATION } from '../../lab-names';
import { KubeObject, LabAssembly, ManifestResource, StackTemplate } from '../assembly';
import { OIDC_PROVIDER_TYPES, PLACEHOLDER_ACCOUNT, PLACEHOLDER_ISSUER } from '../private/intrinsics';
import { podOf as deployedPodOf, serviceAccountOf as deployedServiceAccountOf } from './snapshot';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifest objects, read defensively field by field
type Json = Record<string, any>;

const array = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const items = (list: unknown): Json[] => array((list as { items?: unknown } | undefined)?.items);

/**
 * What the pod-identity webhook adds to a container when it creates a pod. Pod Identity: EKS sets
 * AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (AWS SDKs and Tools
 * Reference Guide, feature-container-credentials.html), the URI on the agent's 169.254.170.23 and the
 * token file the lab's `lab token` reads (lib/cli/commands/token.ts). IRSA: AWS_ROLE_ARN and
 * AWS_WEB_IDENTITY_TOKEN_FILE with the projected token's path (aws/amazon-eks-pod-identity-webhook README).
 */
const IRSA_TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';
const POD_IDENTITY_URI = 'http://169.254.170.23/v1/credentials';
const POD_IDENTITY_TOKEN_FILE = '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token';

/**
 * The cluster's own record of what a deploy left, each as `kubectl get <kind> -A -o json` prints
 * it: for instance the replay of the lab's deploy flows. Given, it replaces the pods and service
 * accounts the assembly source would infer.
 */
export interface DeployedObjects {
  readonly pods: unknown;
  readonly serviceAccounts: unknown;
}

/** Where a Kubernetes object sits in a stack: the resource that applies it and its place in that resource. */
interface Placed {
  readonly stack: StackTemplate;
  readonly manifest: ManifestResource;
  readonly index: number;
  readonly object: KubeObject;
}

interface PlacedAssociation {
  readonly stack: StackTemplate;
  readonly logicalId: string;
  readonly association: Association;
}

/**
 * Builds the model from the synthesized assembly, as the deploy would leave the cluster: each pod
 * as the webhook mutates it when CloudFormation creates it, which depends on what was created
 * before it (the service account's annotation, the association). Roles, providers and
 * associations come from the templates; one node stands for each managed node group, with its
 * launch template's IMDS settings, and every pod runs there. ARNs keep CloudFormation's
 * placeholders (`${RoleId.Arn}`, the account as `${AWS::AccountId}`): synth knows no account.
 */
export function modelFromAssembly(assembly: LabAssembly, deployed?: DeployedObjects): ClusterModel {
  const objects = assembly.stacks.flatMap((stack) =>
    stack
      .manifests()
      .flatMap((manifest) =>
        manifest.objects.map((object, index): Placed => ({ stack, manifest, index, object: withRoleArns(stack, object) })),
      ),
  );
  const serviceAccounts = objects.filter((placed) => placed.object.kind === 'ServiceAccount');
  const associations = assembly.stacks.flatMap(associationsOf);
  const nodeGroups = assembly.clusterStack ? nodeGroupsOf(assembly.clusterStack) : [];
  const nodes: Node[] = nodeGroups.map((group) => ({ name: nodeNameOf(group), metadata: group.metadata }));
  // With one node group every pod lands on its nodes; with several, which one is the scheduler's choice.
  const nodeName = nodes.length === 1 ? nodes[0].name : undefined;

  const missing: Partial<Record<ModelPart, string>> = {
    // The Secret writer fills its Secret from Secrets Manager at deploy time; synth holds no values.
    secrets: 'the assembly holds no Secret values',
  };
  if (!assembly.clusterStack) missing.cluster = `no stack named ${LAB_CLUSTER.name} in ${assembly.dir}`;

  return {
    source: SourceKind.ASSEMBLY,
    cluster: { name: LAB_CLUSTER.name, region: LAB_CLUSTER.region, account: PLACEHOLDER_ACCOUNT, issuer: PLACEHOLDER_ISSUER },
    serviceAccounts: deployed
      ? items(deployed.serviceAccounts).map(deployedServiceAccountOf)
      : serviceAccounts.map(({ object }) => serviceAccountOf(object)),
    pods: deployed
      ? items(deployed.pods).map((pod) => ({ ...deployedPodOf(pod), nodeName }))
      : objects.filter((placed) => placed.object.kind === 'Pod').map((placed) => podOf(placed, serviceAccounts, associations, nodeName)),
    roles: assembly.stacks.flatMap(rolesOf),
    associations: associations.map(({ association }) => association),
    providers: assembly.stacks.flatMap(providersOf),
    nodes,
    nodeGroups,
    addons: (assembly.clusterStack?.resourcesOfType('AWS::EKS::Addon') ?? []).map(({ resource }) =>
      String(assembly.clusterStack!.property(resource, 'AddonName')),
    ),
    secrets: [],
    missing,
  };
}

const namespaceOf = (object: KubeObject) => object.metadata?.namespace ?? 'default';

function serviceAccountOf(object: KubeObject): ServiceAccount {
  return {
    namespace: namespaceOf(object),
    name: object.metadata?.name ?? '?',
    roleArn: object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION],
  };
}

/** True when CloudFormation creates `before` ahead of `after`: earlier in one manifest, or a dependency. */
function createdBefore(before: { stack: StackTemplate; logicalId: string; index?: number }, after: Placed): boolean {
  if (before.stack !== after.stack) return false;
  if (before.logicalId === after.manifest.logicalId) return before.index !== undefined && before.index < after.index;
  return after.stack.dependsOn(after.manifest.logicalId, before.logicalId);
}

function podOf(placed: Placed, serviceAccounts: readonly Placed[], associations: readonly PlacedAssociation[], nodeName?: string): Pod {
  const { object } = placed;
  const spec = (object.spec ?? {}) as Json;
  const namespace = namespaceOf(object);
  const serviceAccount: string = spec.serviceAccountName ?? 'default';
  const account = serviceAccounts.find((sa) => namespaceOf(sa.object) === namespace && sa.object.metadata?.name === serviceAccount);
  const association = associations.find(
    (a) => a.association.namespace === namespace && a.association.serviceAccount === serviceAccount && createdBefore(a, placed),
  );
  const roleArn =
    account && createdBefore({ ...account, logicalId: account.manifest.logicalId }, placed)
      ? account.object.metadata?.annotations?.[IRSA_ROLE_ANNOTATION]
      : undefined;
  // The webhook reads the association and the annotation only when the pod is created, and
  // gives Pod Identity precedence over IRSA (amazon-eks-pod-identity-webhook pkg/handler/handler.go).
  const injected: EnvVar[] = association
    ? [
        { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', from: 'literal', value: POD_IDENTITY_URI },
        { name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', from: 'literal', value: POD_IDENTITY_TOKEN_FILE },
      ]
    : roleArn
      ? [
          { name: 'AWS_ROLE_ARN', from: 'literal', value: roleArn },
          { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', from: 'literal', value: IRSA_TOKEN_FILE },
        ]
      : [];
  return {
    namespace,
    name: object.metadata?.name ?? '?',
    serviceAccount,
    nodeName,
    hostNetwork: spec.hostNetwork === true,
    containers: [...array(spec.initContainers), ...array(spec.containers)].map((container) => containerOf(container, injected)),
  };
}

function containerOf(container: Json, injected: readonly EnvVar[]): Container {
  const env: EnvVar[] = array(container.env).map((env) => {
    const from = env.value !== undefined || !env.valueFrom ? 'literal' : env.valueFrom.secretKeyRef ? 'secret' : 'other';
    return {
      name: String(env.name),
      from,
      secretName: env.valueFrom?.secretKeyRef?.name,
      // Only the webhook's non-secret values are kept; a static key never enters the model.
      value: KEPT_ENV_VALUES.has(env.name) ? env.value : undefined,
    } as EnvVar;
  });
  return {
    name: container.name ?? '?',
    image: container.image,
    env: [...env, ...injected.filter((add) => !env.some((own) => own.name === add.name))],
    envFromSecrets: array(container.envFrom).flatMap((source) => (source.secretRef?.name ? [String(source.secretRef.name)] : [])),
  };
}

function associationsOf(stack: StackTemplate): PlacedAssociation[] {
  return stack.resourcesOfType('AWS::EKS::PodIdentityAssociation').map(({ logicalId, resource }) => {
    const text = (name: string) => withRoleArns(stack, stack.resolver.resolveString(resource.Properties?.[name]));
    return {
      stack,
      logicalId,
      association: {
        id: `${stack.stackName}/${logicalId}`,
        namespace: text('Namespace') ?? '?',
        serviceAccount: text('ServiceAccount') ?? '?',
        roleArn: text('RoleArn') ?? '?',
        targetRoleArn: text('TargetRoleArn'),
        disableSessionTags: stack.property(resource, 'DisableSessionTags') === true,
        policy: text('Policy'),
      },
    };
  });
}

function rolesOf(stack: StackTemplate): Role[] {
  const policies = stack.resourcesOfType('AWS::IAM::Policy');
  return stack.resourcesOfType('AWS::IAM::Role').map(({ logicalId, resource }) => ({
    arn: roleArnOf(stack, logicalId),
    name: roleNameOf(stack, logicalId),
    trust: withRoleArns(stack, stack.property(resource, 'AssumeRolePolicyDocument') ?? {}) as PolicyDocument,
    policies: withRoleArns(stack, [
      ...array(stack.property(resource, 'Policies')).map((policy) => policy.PolicyDocument as PolicyDocument),
      ...policies
        .filter(({ resource: policy }) => JSON.stringify(policy.Properties?.Roles ?? []).includes(`"${logicalId}"`))
        .map(({ resource: policy }) => stack.property(policy, 'PolicyDocument') as PolicyDocument),
    ]),
  }));
}

/**
 * The name a role gets: its RoleName, or one CloudFormation generates from the stack name and
 * logical id (AWS::IAM::Role, RoleName: "If you don't specify a name, AWS CloudFormation generates
 * a unique physical ID"); the random suffix it adds is left out.
 */
function roleNameOf(stack: StackTemplate, logicalId: string): string {
  return stack.resolver.resolveString(stack.resources[logicalId]?.Properties?.RoleName) ?? `${stack.stackName}-${logicalId}`;
}

function roleArnOf(stack: StackTemplate, logicalId: string): string {
  return `arn:aws:iam::${PLACEHOLDER_ACCOUNT}:role/${roleNameOf(stack, logicalId)}`;
}

/** Replaces each `${RoleId.Arn}` placeholder of a role of the stack with the role's ARN, in every string of a value. */
function withRoleArns<T>(stack: StackTemplate, value: T): T {
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') {
      return item.replace(/\$\{([^.}]+)\.Arn\}/g, (placeholder, id: string) =>
        stack.resources[id]?.Type === 'AWS::IAM::Role' ? roleArnOf(stack, id) : placeholder,
      );
    }
    if (Array.isArray(item)) return item.map(walk);
    if (item && typeof item === 'object') return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, walk(inner)]));
    return item;
  };
  return walk(value) as T;
}

function providersOf(stack: StackTemplate): OidcProvider[] {
  return [...OIDC_PROVIDER_TYPES]
    .flatMap((type) => stack.resourcesOfType(type))
    .map(({ logicalId, resource }) => {
      const arn = stack.resolver.resolveString({ Ref: logicalId }) ?? `\${${logicalId}}`;
      const clientIds = stack.property(resource, 'ClientIdList') ?? stack.property(resource, 'ClientIDList');
      return {
        arn,
        hostPath: String(stack.property(resource, 'Url') ?? '').replace(/^https:\/\//, ''),
        clientIds: Array.isArray(clientIds) ? clientIds.map(String) : [],
      };
    });
}

function nodeGroupsOf(cluster: StackTemplate): NodeGroup[] {
  return cluster.resourcesOfType('AWS::EKS::Nodegroup').map(({ logicalId, resource }) => {
    const template = cluster.property(resource, 'LaunchTemplate') as Json | undefined;
    const templateId = /^\$\{([^.}]+)\}$/.exec(String(template?.Id ?? template?.Name ?? ''))?.[1];
    const data = templateId
      ? (cluster.property(cluster.resources[templateId] ?? { Type: '' }, 'LaunchTemplateData') as Json | undefined)
      : undefined;
    const options = data?.MetadataOptions as Json | undefined;
    return {
      name: cluster.resolver.resolveString(resource.Properties?.NodegroupName) ?? logicalId,
      launchTemplate: template ? `${templateId ?? '?'}@${String(template.Version ?? '$Default')}` : undefined,
      metadata: options ? { httpTokens: options.HttpTokens, hopLimit: options.HttpPutResponseHopLimit } : undefined,
    };
  });
}

function nodeNameOf(group: NodeGroup): string {
  return `a node of ${group.name}`;
}

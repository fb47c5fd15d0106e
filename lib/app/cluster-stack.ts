import * as blueprints from '@aws-quickstart/eks-blueprints';
import { CfnCondition, CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as eksv2 from 'aws-cdk-lib/aws-eks-v2';
import { Construct } from 'constructs';
import { CLUSTER_EXPORTS, DEPLOY_CONCURRENCY, LAB_CLUSTER } from '../cluster-contract';
import { ImdsMode } from '../lab-config';
import { IMDS_HOP_LIMIT, IMDS_HTTP_TOKENS } from '../lab-names';
import { LabVpcProvider } from './lab-vpc-provider';
import { acknowledgeNag, managedPolicyFinding } from './private/nag';

/**
 * The newest Kubernetes version that aws-cdk-lib 2.261, EKS Blueprints 1.19
 * and EKS standard support all cover. Extended support costs 6x as much.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const KUBERNETES_VERSION = eks.KubernetesVersion.V1_35;

/**
 * EKS add-on versions for Kubernetes 1.35, the ones Blueprints 1.19.0 maps to it.
 * Pinned, because `auto` makes Blueprints call `DescribeAddonVersions` at synth.
 */
export const ADDON_VERSIONS = {
  vpcCni: 'v1.21.1-eksbuild.1',
  coreDns: 'v1.13.2-eksbuild.3',
  kubeProxy: 'v1.35.0-eksbuild.2',
  podIdentityAgent: 'v1.3.10-eksbuild.2',
} as const;

/** The single node, sized so the whole lab stays under 0.13 $/h. */
export const NODE_GROUP = {
  name: 'lab',
  instanceType: 't4g.small',
  amiType: eks.NodegroupAmiType.AL2023_ARM_64_STANDARD,
  rootVolumeGiB: 20,
} as const;

/**
 * What a t4g.small offers the VPC CNI: 3 network interfaces of 4 IPv4 addresses each, the first
 * of which is the interface's own (amazon-eks-ami `nodeadm/internal/kubelet/instance-info.jsonl`),
 * and 2 vCPUs.
 */
const T4G_SMALL = { networkInterfaces: 3, ipv4PerInterface: 4, vcpus: 2 } as const;

/**
 * VPC CNI prefix delegation: each free address slot of an interface holds a /28 prefix of 16
 * addresses instead of one address.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/cni-increase-ip-addresses.html
 */
const IPS_PER_PREFIX = 16;

/**
 * The most pods a managed node group lets a node run, whether prefix delegation is on or not:
 * 110 below 30 vCPUs, 250 from there (EKS user guide, cni-increase-ip-addresses-procedure and
 * create-managed-node-group).
 */
const MANAGED_NODE_GROUP_MAX_PODS_CEILING = T4G_SMALL.vcpus < 30 ? 110 : 250;

/**
 * The address slots the node's interfaces have for pods: every slot but each interface's primary
 * address, so 9 (amazon-vpc-cni-k8s `docs/prefix-and-ip-target.md`: 9 prefixes at most for a
 * t3.small, whose 3 ENIs of 4 IPv4 addresses a t4g.small shares).
 */
const POD_IP_SLOTS = T4G_SMALL.networkInterfaces * (T4G_SMALL.ipv4PerInterface - 1);

/**
 * maxPods and pod addresses as the managed node group computes them for the lab's t4g.small:
 * 110 and 144 with prefix delegation, 11 and 9 without.
 */
export function managedNodePodLimits(prefixDelegation: boolean): { readonly maxPods: number; readonly podIps: number } {
  const podIps = POD_IP_SLOTS * (prefixDelegation ? IPS_PER_PREFIX : 1);
  // The calculator adds 2 for pods on the host network, which need no address of their own.
  return { maxPods: Math.min(MANAGED_NODE_GROUP_MAX_PODS_CEILING, podIps + 2), podIps };
}

/** Whether the vpc-cni add-on assigns /28 prefixes: the node's room for pods rests on it. */
const PREFIX_DELEGATION = true;

/**
 * The node's room for pods, as the managed node group sets it up, and everything that takes some
 * of it besides the lab's own pods. A replay of the lab's flows reads it from here.
 *
 * The managed node group computes maxPods itself when it launches nodes from a launch template
 * without an AMI, with the script the EKS user guide's choosing-instance-type page names
 * (create-managed-node-group): amazon-eks-ami `templates/al2/runtime/max-pods-calculator.sh`, which
 * with prefix delegation gives ENIs × ((IPv4 per ENI − 1) × 16) + 2 and without it ENIs × (IPv4 per
 * ENI − 1) + 2, capped at 110 below 30 vCPUs (managedNodePodLimits). It computes it from
 * whether prefix delegation is on in the cluster at that moment (terraform-aws-eks-blueprints
 * `docs/snippets/ipv4-prefix-delegation.md`: a node group created before the vpc-cni add-on is
 * configured keeps the lower value; aws/karpenter-provider-aws#6102: a managed node shows the
 * calculator's prefix-delegation value), so `buildClusterStack` creates the node group after the
 * add-on.
 *
 * Finished pods count against neither maxPods nor pod IPs.
 */
export const NODE_POD_CAPACITY = {
  /** Whether the vpc-cni add-on assigns /28 prefixes, which the node group's maxPods depends on. */
  prefixDelegation: PREFIX_DELEGATION,
  /**
   * kubelet's maxPods (every pod counts, host-network or not), and the addresses for pods that are
   * not on the host network: 9 slots of a /28 prefix each.
   */
  ...managedNodePodLimits(PREFIX_DELEGATION),
  /** The add-ons' DaemonSet pods on the host network (aws-node, kube-proxy, eks-pod-identity-agent): no pod IP, but a pod slot. */
  hostNetworkPods: 3,
  /** The CoreDNS add-on's two replicas: a pod slot and a pod IP each. */
  coreDnsPods: 2,
  /**
   * A DaemonSet the account adds to every node: GuardDuty Runtime Monitoring with automated agent
   * management deploys its agent, the `aws-guardduty-agent` EKS add-on, to each node of every
   * cluster (GuardDuty user guide, how-runtime-monitoring-works-eks; hashicorp/terraform-provider-aws#46747,
   * eksctl#7485). Whether it runs on the host network is not documented, so it counts a slot and an IP.
   */
  extraDaemonSetPods: 1,
  /** The stacks a deploy runs at once, each running at most one pod that runs once. */
  deployConcurrency: DEPLOY_CONCURRENCY,
} as const;

/**
 * The vpc-cni settings behind NODE_POD_CAPACITY: prefix delegation, and one whole /28 prefix kept
 * free (`WARM_PREFIX_TARGET`: with it at 1, 5 to 16 pods take 2 prefixes; amazon-vpc-cni-k8s
 * `docs/prefix-and-ip-target.md`).
 */
export const VPC_CNI_PREFIXES = { enablePrefixDelegation: NODE_POD_CAPACITY.prefixDelegation, warmPrefixTarget: 1 } as const;

// tslog levels: 3 is info, 5 is error.
const LOG_LEVEL_INFO = 3;
const LOG_LEVEL_ERROR = 5;

export interface ClusterStackProps {
  /**
   * The account to deploy to.
   * @default - environment-agnostic: the CLI's credentials pick the account at deploy time
   */
  readonly account?: string;
  /**
   * Whether pods can reach the node role through IMDS.
   * @see https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html#_restrict_access_to_the_instance_profile_assigned_to_the_worker_node
   */
  readonly imds: ImdsMode;
}

/**
 * Builds the `eks-oidc-demo` stack with EKS Blueprints: a public-subnet VPC,
 * the cluster on the aws-eks-v2 provider, one managed node and pinned add-ons.
 */
export async function buildClusterStack(scope: Construct, props: ClusterStackProps): Promise<blueprints.EksBlueprint> {
  // Blueprints logs each add-on version at debug level, and warns that pinned versions cannot be
  // checked against EKS Auto Mode, which the lab does not use. Keep synth output to what matters.
  blueprints.utils.userLog.settings.minLevel = LOG_LEVEL_INFO;
  blueprints.utils.logger.settings.minLevel = LOG_LEVEL_ERROR;
  const clusterProvider = new blueprints.GenericClusterProviderV2({
    clusterName: LAB_CLUSTER.name,
    // The control plane's network interfaces go where the node is: the lab has no private subnets.
    vpcSubnets: [{ subnetType: ec2.SubnetType.PUBLIC }],
    // Blueprints' v2 provider defaults to EKS Auto Mode, which bills a fee per node on top;
    // the lab runs one managed node it configures itself.
    defaultCapacityType: eksv2.DefaultCapacityType.NODEGROUP,
    managedNodeGroups: [
      {
        id: NODE_GROUP.name,
        nodegroupName: NODE_GROUP.name,
        instanceTypes: [new ec2.InstanceType(NODE_GROUP.instanceType)],
        amiType: NODE_GROUP.amiType,
        minSize: 1,
        maxSize: 1,
        desiredSize: 1,
        nodeGroupSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        launchTemplate: {
          blockDevices: [
            {
              deviceName: '/dev/xvda',
              volume: ec2.BlockDeviceVolume.ebs(NODE_GROUP.rootVolumeGiB, {
                volumeType: ec2.EbsDeviceVolumeType.GP3,
                encrypted: true,
              }),
            },
          ],
          requireImdsv2: IMDS_HTTP_TOKENS[props.imds] === 'required',
          // Hop limit 2 lets a pod's IMDS call reach the node role, as in the post; 1 blocks it.
          httpPutResponseHopLimit: IMDS_HOP_LIMIT[props.imds],
        },
      },
    ],
  });

  const stack = await blueprints.EksBlueprint.builder()
    .account(props.account)
    .region(LAB_CLUSTER.region)
    .version(KUBERNETES_VERSION)
    .clusterProvider(clusterProvider)
    .resourceProvider(blueprints.GlobalResources.Vpc, new LabVpcProvider())
    .resourceProvider(
      blueprints.GlobalResources.KmsKey,
      // Envelope encryption for Kubernetes Secrets; deleted on destroy so nothing is left behind.
      new blueprints.CreateKmsKeyProvider(undefined, {
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
        pendingWindow: Duration.days(7),
      }),
    )
    .addOns(
      // Prefix delegation, and no maxPods of the lab's own: the managed node group appends its own
      // NodeConfig after the user data and nodeadm merges later over earlier (amazon-eks-ami
      // nodeadm/internal/api/merge.go, doc/examples.md), so the node group's value wins; it computes
      // it when it launches nodes, from whether prefix delegation is on (NODE_POD_CAPACITY), so the
      // node group waits for this add-on (orderNodeGroupAfterVpcCni).
      new blueprints.VpcCniAddOn({ version: ADDON_VERSIONS.vpcCni, ...VPC_CNI_PREFIXES }),
      new blueprints.CoreDnsAddOn(ADDON_VERSIONS.coreDns),
      new blueprints.KubeProxyAddOn(ADDON_VERSIONS.kubeProxy),
      new blueprints.EksPodIdentityAgentAddOn(ADDON_VERSIONS.podIdentityAgent),
    )
    .buildAsync(scope, LAB_CLUSTER.name, {
      description: 'eks-oidc-demo: the EKS cluster every credential scenario runs on',
    });

  setHttpTokens(stack, IMDS_HTTP_TOKENS[props.imds]);
  orderNodeGroupAfterVpcCni(stack);
  exportClusterContract(stack, stack.getClusterInfo());
  acknowledgeClusterFindings(stack, stack.getClusterInfo());
  return stack;
}

/**
 * Writes `HttpTokens` into the node's launch template whatever its value. Blueprints passes only
 * `requireImdsv2`, and a template without `HttpTokens` leaves it to the AMI: AL2023 EKS AMIs set
 * `ImdsSupport: v2.0`, which makes tokens required (EC2 API reference, RegisterImage `ImdsSupport`).
 */
function setHttpTokens(stack: Stack, httpTokens: 'required' | 'optional'): void {
  const templates = stack.node.findAll().filter((c): c is ec2.CfnLaunchTemplate => c instanceof ec2.CfnLaunchTemplate);
  if (templates.length !== 1) throw new Error(`Expected the node group's one launch template, found ${templates.length}.`);
  templates[0].addPropertyOverride('LaunchTemplateData.MetadataOptions.HttpTokens', httpTokens);
}

/**
 * Creates the node group only once the vpc-cni add-on has prefix delegation on. Blueprints creates
 * node groups with the cluster and deploys add-ons after it, with no order between them
 * (cdk-eks-blueprints `lib/cluster-providers/generic-cluster-provider-v2.ts` `createCluster`,
 * `lib/stacks/eks-blueprint-stack.ts`), so CloudFormation may start both at once; a node group
 * created first computes maxPods without prefix delegation: 11 pods instead of 110 (EKS user guide,
 * cni-increase-ip-addresses-procedure: enable the parameter, then create the node group;
 * terraform-aws-eks-blueprints `docs/snippets/ipv4-prefix-delegation.md`, `before_compute`).
 */
function orderNodeGroupAfterVpcCni(stack: Stack): void {
  const all = stack.node.findAll();
  const nodeGroups = all.filter((c): c is eks.CfnNodegroup => c instanceof eks.CfnNodegroup);
  const vpcCni = all.filter((c): c is eks.CfnAddon => c instanceof eks.CfnAddon && c.addonName === 'vpc-cni');
  if (nodeGroups.length !== 1 || vpcCni.length !== 1) {
    throw new Error(`Expected one node group and one vpc-cni add-on, found ${nodeGroups.length} and ${vpcCni.length}.`);
  }
  nodeGroups[0].addDependency(vpcCni[0]);
}

/** The fixed outputs the scenario stacks import, and the two a user needs. */
function exportClusterContract(stack: Stack, clusterInfo: blueprints.ClusterInfo): void {
  const cluster = clusterInfo.cluster as unknown as eksv2.Cluster;
  const kubectlProvider = cluster.kubectlProvider;
  if (!kubectlProvider?.role) {
    throw new Error('The cluster has no kubectl provider; the scenario stacks need one to apply manifests.');
  }
  const nodeRole = clusterInfo.nodeGroups?.[0]?.role;
  if (!nodeRole) {
    throw new Error(`The cluster has no managed node group '${NODE_GROUP.name}'.`);
  }

  new CfnOutput(stack, 'KubectlServiceToken', {
    value: kubectlProvider.serviceToken,
    exportName: CLUSTER_EXPORTS.kubectlServiceToken,
  });
  new CfnOutput(stack, 'KubectlRoleArn', {
    value: kubectlProvider.role.roleArn,
    exportName: CLUSTER_EXPORTS.kubectlRoleArn,
  });
  new CfnOutput(stack, 'OidcIssuerUrl', {
    description: 'Issuer of the projected service-account tokens',
    value: cluster.clusterOpenIdConnectIssuerUrl,
    exportName: CLUSTER_EXPORTS.oidcIssuerUrl,
  });
  new CfnOutput(stack, 'NodeRoleArn', {
    description: 'The role a pod falls back to through IMDS',
    value: nodeRole.roleArn,
    exportName: CLUSTER_EXPORTS.nodeRoleArn,
  });
}

/** The cdk-nag findings the cluster stack keeps on purpose, each with its reason. */
function acknowledgeClusterFindings(stack: Stack, clusterInfo: blueprints.ClusterInfo): void {
  const cluster = clusterInfo.cluster;
  acknowledgeNag(
    stack,
    'VPC flow logs cost per GB and their log group outlives the stack; the lab is about IAM, which CloudTrail records.',
    'VPC7',
  );
  acknowledgeNag(
    cluster,
    'The lab is driven with kubectl from a workstation; the public endpoint only admits IAM principals with an access entry.',
    'EKS1',
  );
  acknowledgeNag(
    cluster,
    'EKS writes control-plane logs to a log group it creates outside CloudFormation, which `cdk destroy` would leave behind; CloudTrail already shows every credential exchange the lab teaches.',
    ...['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'].map((log) => `EKS2[LogExport::${log}]`),
  );
  acknowledgeNag(
    cluster,
    'AmazonEKSClusterPolicy is the policy EKS requires on the cluster role.',
    managedPolicyFinding('AmazonEKSClusterPolicy'),
  );
  acknowledgeNag(
    cluster,
    'These are the policies EKS requires on a managed node role. Every pod that reaches IMDS can use them too, which is what the node-role scenario shows.',
    ...['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly'].map(managedPolicyFinding),
  );

  // The kubectl provider is aws-cdk-lib's own Lambda; its runtime and policies come with the pinned library.
  const kubectl = cluster.node.findAll().find((c) => c.node.id === 'KubectlProvider');
  if (!kubectl) throw new Error('The cluster has no KubectlProvider construct to acknowledge findings on.');
  const ecrPublicCondition = kubectl.node.findAll().find((c): c is CfnCondition => c instanceof CfnCondition);
  const kubectlHandler = kubectl.node.findChild('Handler').node.defaultChild as lambda.CfnFunction;
  acknowledgeNag(
    kubectl,
    "aws-cdk-lib's kubectl provider: its Lambda runtime, managed policies and version wildcard are fixed by the pinned library version.",
    'L1',
    managedPolicyFinding('service-role/AWSLambdaBasicExecutionRole'),
    managedPolicyFinding('AmazonEC2ContainerRegistryReadOnly'),
    `IAM5[Resource::<${stack.getLogicalId(kubectlHandler)}.Arn>:*]`,
    ...(ecrPublicCondition ? [ecrPublicFinding(stack.getLogicalId(ecrPublicCondition))] : []),
  );
}

/** The finding for the kubectl handler's conditional ECR Public policy, as cdk-nag names it. */
function ecrPublicFinding(conditionLogicalId: string): string {
  const policy = {
    'Fn::If': [
      conditionLogicalId,
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly']] },
      { Ref: 'AWS::NoValue' },
    ],
  };
  return `IAM4[Policy::${JSON.stringify(policy)}]`;
}

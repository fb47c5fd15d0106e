import * as fs from 'node:fs';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { StackTemplate } from '../lib/cli/assembly';
import { LAB_CLUSTER } from '../lib/cluster-contract';
import { NODE_GROUP, NODE_POD_CAPACITY, VPC_CNI_PREFIXES, managedNodePodLimits } from '../lib/app/cluster-stack';
import { ImdsMode } from '../lib/lab-config';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/app/lab-pods';
import { LabAssembly, synthesizedLab } from './util';

/** What a /28 prefix holds (EKS user guide, cni-increase-ip-addresses). */
const IPS_PER_PREFIX = 16;

/** Each scenario stack's pod resources: their logical ids, the pods that stay, and those that run once. */
function podResources(lab: LabAssembly) {
  return Object.entries(lab.templates)
    .filter(([name]) => name !== LAB_CLUSTER.name)
    .map(([name, t]) => {
      const template = new StackTemplate(name, t.toJSON());
      const resources = template.resourcesOfType(LAB_PODS_RESOURCE_TYPE).map(({ logicalId, resource }) => {
        const pods = JSON.parse(String(template.property(resource, LabPodsProperty.MANIFEST))) as { metadata: { name: string } }[];
        const runOnce = (resource.Properties?.[LabPodsProperty.RUN_ONCE] ?? []) as string[];
        return { logicalId, staying: pods.map((p) => p.metadata.name).filter((n) => !runOnce.includes(n)), runOnce };
      });
      return { template, resources };
    });
}

/** The pods on the node at the worst moment of a deploy, and what they take. */
interface Peak {
  /** Lab pods that stay (`sleep`), all of them at once. */
  readonly staying: number;
  /** Lab pods that run once at the same moment: one per stack deploying, with as many stacks as the concurrency allows. */
  readonly runOnce: number;
  /** Pod slots taken, host-network pods included. */
  readonly slots: number;
  /** Pod IPs taken. */
  readonly ips: number;
}

/**
 * Counts the worst moment of `cdk deploy --concurrency <concurrency>`, from the synthesized stacks:
 * - a pod resource deletes its old pods and waits until they are gone before it creates new ones
 *   (lib/app/cluster-handlers/lab_pods.py), so a pod is never on the node twice;
 * - within a stack, pod resources run one after another, each holding at most one run-once pod;
 * - at most `concurrency` stacks deploy at once (CDK CLI reference, cdk deploy --concurrency), so
 *   at most that many run-once pods overlap, however the stacks' dependencies order them;
 * - every pod that stays counts, as if every stack had already created its own.
 */
function peakAt(lab: LabAssembly, concurrency: number): Peak {
  const stacks = podResources(lab).map((s) => s.resources);
  const staying = stacks.flat().flatMap((r) => r.staying).length;
  const stacksWithRunOnce = stacks.filter((resources) => resources.some((r) => r.runOnce.length > 0)).length;
  const runOnce = Math.min(concurrency, stacksWithRunOnce);
  const { hostNetworkPods, coreDnsPods, extraDaemonSetPods } = NODE_POD_CAPACITY;
  return {
    staying,
    runOnce,
    slots: hostNetworkPods + coreDnsPods + extraDaemonSetPods + staying + runOnce,
    ips: coreDnsPods + extraDaemonSetPods + staying + runOnce,
  };
}

/** Every set of toggles a flow deploys: the defaults, then each other value, as `lab e2e` does. */
const TOGGLES: Record<string, unknown>[] = [
  {},
  ...Object.values(ImdsMode)
    .filter((imds) => imds !== ImdsMode.OPEN)
    .map((imds) => ({ imds })),
  { nodeRoleS3Access: true },
];
const CONCURRENCIES = Object.entries(NODE_POD_CAPACITY.deployConcurrency);

describe('the node: what the managed node group gives it', () => {
  let cluster: Template;
  beforeAll(async () => {
    cluster = (await synthesizedLab()).templates[LAB_CLUSTER.name];
  });

  test('is a t4g.small launched from a template that names no AMI, so the node group computes maxPods', () => {
    cluster.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: [NODE_GROUP.instanceType] });
    expect(NODE_GROUP.instanceType).toBe('t4g.small');
    const [launchTemplate] = Object.values(cluster.findResources('AWS::EC2::LaunchTemplate'));
    // With an AMI in the launch template, maxPods would be the lab's to set (EKS user guide, create-managed-node-group).
    expect(launchTemplate.Properties.LaunchTemplateData.ImageId).toBeUndefined();
    expect(JSON.stringify(launchTemplate.Properties.LaunchTemplateData.UserData ?? '')).not.toContain('maxPods');
  });

  test('prefix delegation is on in the vpc-cni add-on, and the node group is created only after it', () => {
    const [[cniId, cni]] = Object.entries(cluster.findResources('AWS::EKS::Addon', { Properties: { AddonName: 'vpc-cni' } }));
    const env = JSON.parse(cni.Properties.ConfigurationValues).env;
    expect(env).toMatchObject({
      ENABLE_PREFIX_DELEGATION: String(NODE_POD_CAPACITY.prefixDelegation),
      WARM_PREFIX_TARGET: String(VPC_CNI_PREFIXES.warmPrefixTarget),
    });
    const [nodeGroup] = Object.values(cluster.findResources('AWS::EKS::Nodegroup'));
    expect(nodeGroup.DependsOn).toContain(cniId);
  });

  test('the pods counted besides the lab are the add-ons the cluster stack installs, CoreDNS at its two default replicas', () => {
    const addons = Object.values(cluster.findResources('AWS::EKS::Addon'));
    // aws-node, kube-proxy and the Pod Identity agent run on the host network; CoreDNS does not.
    const hostNetwork = addons.filter((a) => ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent'].includes(a.Properties.AddonName));
    expect(hostNetwork).toHaveLength(NODE_POD_CAPACITY.hostNetworkPods);
    expect(addons).toHaveLength(NODE_POD_CAPACITY.hostNetworkPods + 1);
    // EKS runs two CoreDNS replicas unless the add-on's configuration scales it (EKS user guide, coredns-autoscaling).
    const [coreDns] = addons.filter((a) => a.Properties.AddonName === 'coredns');
    expect(JSON.parse(coreDns.Properties.ConfigurationValues ?? '{}')).toEqual({});
    expect(NODE_POD_CAPACITY.coreDnsPods).toBe(2);
  });

  test('maxPods and pod IPs are the max-pods calculator values for a t4g.small: 3 ENIs of 4 IPv4, capped at 110', () => {
    // amazon-eks-ami max-pods-calculator.sh: ENIs × (IPs − 1) + 2, or ENIs × ((IPs − 1) × 16) + 2 with prefixes.
    expect(managedNodePodLimits(false)).toEqual({ maxPods: 3 * (4 - 1) + 2, podIps: 3 * (4 - 1) });
    expect(managedNodePodLimits(true)).toEqual({ maxPods: Math.min(110, 3 * ((4 - 1) * 16) + 2), podIps: 3 * (4 - 1) * 16 });
    expect(NODE_POD_CAPACITY).toMatchObject({ prefixDelegation: true, maxPods: 110, podIps: 144, extraDaemonSetPods: 1 });
  });

  test('the subnets have room for every /28 prefix the node asks for at peak', async () => {
    const lab = await synthesizedLab();
    const worst = Math.max(...CONCURRENCIES.map(([, concurrency]) => peakAt(lab, concurrency).ips));
    // The CNI adds a prefix when the free addresses fall below the warm target (amazon-vpc-cni-k8s docs/prefix-and-ip-target.md).
    const prefixes = Math.ceil(worst / IPS_PER_PREFIX) + VPC_CNI_PREFIXES.warmPrefixTarget;
    for (const subnet of Object.values(cluster.findResources('AWS::EC2::Subnet'))) {
      const mask = Number(String(subnet.Properties.CidrBlock).split('/')[1]);
      expect(2 ** (32 - mask) / IPS_PER_PREFIX).toBeGreaterThan(prefixes);
    }
  });
});

test('the README states the headroom at each concurrency, as counted here', async () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### What fits on the node'), readme.indexOf('\n## Tests'));
  const lab = await synthesizedLab();
  for (const [, concurrency] of CONCURRENCIES) {
    const { slots, ips } = peakAt(lab, concurrency);
    const { maxPods, podIps } = NODE_POD_CAPACITY;
    expect(section).toContain(`| ${slots} of ${maxPods} slots, ${ips} of ${podIps} IPs | **${maxPods - slots}** | **${podIps - ips}** |`);
  }
});

describe.each(TOGGLES)('the lab deployed with %p', (context) => {
  let lab: LabAssembly;
  beforeAll(async () => {
    lab = await synthesizedLab({ context });
  });

  test('within a stack, pod resources run one after another, so their run-once pods never overlap', () => {
    for (const { template, resources } of podResources(lab)) {
      for (const [i, a] of resources.entries()) {
        for (const b of resources.slice(i + 1)) {
          const ordered = template.dependsOn(a.logicalId, b.logicalId) || template.dependsOn(b.logicalId, a.logicalId);
          expect({ a: a.logicalId, b: b.logicalId, ordered }).toEqual({ a: a.logicalId, b: b.logicalId, ordered: true });
        }
      }
    }
  });

  test.each(CONCURRENCIES)('fits at its worst moment at %s concurrency (%i), with one extra DaemonSet pod', (_name, concurrency) => {
    // GIVEN the stacks as synthesized, and the node as the node group sets it up
    const peak = peakAt(lab, concurrency);
    expect(peak.runOnce).toBeGreaterThan(0);

    // THEN every pod has a slot and, off the host network, an IP
    expect(peak.slots).toBeLessThanOrEqual(NODE_POD_CAPACITY.maxPods);
    expect(peak.ips).toBeLessThanOrEqual(NODE_POD_CAPACITY.podIps);
  });

  test('needs prefix delegation: without it the node group would give the node 11 pods, fewer than the lab e2e peak', () => {
    const peak = peakAt(lab, NODE_POD_CAPACITY.deployConcurrency.e2e);
    expect(peak.slots).toBeGreaterThan(managedNodePodLimits(false).maxPods);
  });
});

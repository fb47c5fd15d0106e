import { Template } from 'aws-cdk-lib/assertions';
import { StackTemplate } from '../lib/cli/assembly';
import { NODE_GROUP, NODE_POD_CAPACITY } from '../lib/cluster-stack';
import { LAB_PODS_RESOURCE_TYPE } from '../lib/lab-names';
import { LabPodsProperty } from '../lib/lab-pods';
import { SynthesizedLab, buildTestLab } from './util';

/** Each scenario stack's pod resources: their logical ids, the pods that stay, and those that run once. */
function podResources(lab: SynthesizedLab) {
  return lab.stacks.scenarios.map((stack) => {
    const template = new StackTemplate(stack.stackName, Template.fromStack(stack).toJSON());
    const resources = template.resourcesOfType(LAB_PODS_RESOURCE_TYPE).map(({ logicalId, resource }) => {
      const pods = JSON.parse(String(template.property(resource, LabPodsProperty.MANIFEST))) as { metadata: { name: string } }[];
      const runOnce = (resource.Properties?.[LabPodsProperty.RUN_ONCE] ?? []) as string[];
      return {
        logicalId,
        staying: pods.map((p) => p.metadata.name).filter((name) => !runOnce.includes(name)),
        runOnce,
      };
    });
    return { template, resources };
  });
}

describe('the node has room for every lab pod at peak', () => {
  let lab: SynthesizedLab;
  beforeAll(async () => {
    lab = await buildTestLab();
  });

  test('the capacity counted is that of the node the cluster stack runs, with the add-ons it installs', () => {
    const cluster = Template.fromStack(lab.stacks.cluster);
    cluster.hasResourceProperties('AWS::EKS::Nodegroup', { InstanceTypes: [NODE_GROUP.instanceType] });
    expect(NODE_GROUP.instanceType).toBe('t4g.small');
    const addons = Object.values(cluster.findResources('AWS::EKS::Addon')).map((a) => a.Properties.AddonName);
    // aws-node, kube-proxy and the Pod Identity agent run on the host network; CoreDNS does not.
    const hostNetwork = addons.filter((name) => ['vpc-cni', 'kube-proxy', 'eks-pod-identity-agent'].includes(name));
    expect(hostNetwork).toHaveLength(NODE_POD_CAPACITY.hostNetworkPods);
    expect(addons).toContain('coredns');
    expect(NODE_POD_CAPACITY).toEqual({ maxPods: 11, podIps: 9, hostNetworkPods: 3, coreDnsPods: 2 });
  });

  test('within a stack, pod resources run one after another, so their run-once pods never overlap', () => {
    for (const { template, resources } of podResources(lab)) {
      for (const [i, a] of resources.entries()) {
        for (const b of resources.slice(i + 1)) {
          expect({
            a: a.logicalId,
            b: b.logicalId,
            ordered: template.dependsOn(a.logicalId, b.logicalId) || template.dependsOn(b.logicalId, a.logicalId),
          }).toEqual({
            a: a.logicalId,
            b: b.logicalId,
            ordered: true,
          });
        }
      }
    }
  });

  test('every pod that stays, plus the one run-once pod running at a time, fit in the pod slots and IPs left', () => {
    // GIVEN `cdk deploy --all` deploys one stack at a time (--concurrency defaults to 1), and each
    // pod resource creates its run-once pods one at a time, each after the previous one ended.
    const resources = podResources(lab).flatMap((s) => s.resources);
    const staying = resources.flatMap((r) => r.staying);
    const runOnce = resources.flatMap((r) => r.runOnce);
    expect(runOnce.length).toBeGreaterThan(0);
    const peak = staying.length + 1;
    // THEN
    const slotsLeft = NODE_POD_CAPACITY.maxPods - NODE_POD_CAPACITY.hostNetworkPods - NODE_POD_CAPACITY.coreDnsPods;
    const ipsLeft = NODE_POD_CAPACITY.podIps - NODE_POD_CAPACITY.coreDnsPods;
    expect(peak).toBeLessThanOrEqual(Math.min(slotsLeft, ipsLeft));
  });
});

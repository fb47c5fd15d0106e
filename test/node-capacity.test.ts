import { Template } from 'aws-cdk-lib/assertions';
import { NODE_GROUP, NODE_POD_CAPACITY } from '../lib/cluster-stack';
import { SynthesizedLab, appliedManifests, buildTestLab } from './util';

/** The lab's pods by stack: those that sleep until deleted, and those that run once and end. */
function podsByStack(lab: SynthesizedLab): { stack: string; sleepers: string[]; runOnce: string[] }[] {
  return lab.stacks.scenarios.map((stack) => {
    const pods = appliedManifests(Template.fromStack(stack))
      .flatMap((m) => m.objects)
      .filter((o) => o.kind === 'Pod');
    const sleeps = (pod: (typeof pods)[number]) => JSON.stringify(pod.spec.containers[0].command) === JSON.stringify(['sleep', 'infinity']);
    return {
      stack: stack.stackName,
      sleepers: pods.filter(sleeps).map((p) => p.metadata.name),
      runOnce: pods.filter((p) => !sleeps(p)).map((p) => p.metadata.name),
    };
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

  test('sleeping pods of every stack plus the run-once pods of the busiest stack fit in the pod slots and IPs left', () => {
    // GIVEN `cdk deploy --all` deploys one stack at a time (--concurrency defaults to 1), an `s3 ls`
    // pod ends within seconds and frees its slot, while a sleeping pod holds its slot until deleted.
    const stacks = podsByStack(lab);
    const sleepers = stacks.flatMap((s) => s.sleepers);
    const busiest = Math.max(...stacks.map((s) => s.runOnce.length));
    const peak = sleepers.length + busiest;
    // THEN
    const slotsLeft = NODE_POD_CAPACITY.maxPods - NODE_POD_CAPACITY.hostNetworkPods - NODE_POD_CAPACITY.coreDnsPods;
    const ipsLeft = NODE_POD_CAPACITY.podIps - NODE_POD_CAPACITY.coreDnsPods;
    expect(sleepers.length).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(Math.min(slotsLeft, ipsLeft));
  });
});

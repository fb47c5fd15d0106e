import { Scenario } from '../../scenarios';
import { KubeObject, ManifestResource, StackTemplate } from '../assembly';
import { PodSpec } from './kube-names';

/** A Kubernetes object of a stack: the resource that applies it, and its place in that resource's manifest. */
export interface PlacedObject {
  readonly manifest: ManifestResource;
  readonly index: number;
  readonly object: KubeObject;
}

/** A scenario's pod, as its stack applies it. */
export interface PlacedPod extends PlacedObject {
  readonly name: string;
  readonly spec: PodSpec;
}

/** The object of that kind, namespace and name, in whichever manifest of the stack applies it. */
export function findObject(stack: StackTemplate, kind: string, namespace: string, name: string): PlacedObject | undefined {
  for (const manifest of stack.manifests()) {
    const index = manifest.objects.findIndex(
      (o) => o.kind === kind && o.metadata?.name === name && (o.metadata?.namespace ?? 'default') === namespace,
    );
    if (index >= 0) return { manifest, index, object: manifest.objects[index] };
  }
  return undefined;
}

/** The pods lib/scenarios.ts names for the scenario that its stack applies: the s3 ls pod, the sleep pod, the probes. */
export function scenarioPods(stack: StackTemplate, scenario: Scenario): PlacedPod[] {
  const names = [scenario.s3LsPod, scenario.sleepPod, ...(scenario.probes ?? []).map((probe) => probe.pod)].filter(
    (name, index, all): name is string => name !== undefined && all.indexOf(name) === index,
  );
  return names.flatMap((name) => {
    const found = findObject(stack, 'Pod', scenario.namespace, name);
    return found ? [{ ...found, name, spec: (found.object.spec ?? {}) as PodSpec }] : [];
  });
}

/** True when CloudFormation creates the object at `before` ahead of the pod: earlier in one manifest, or a dependency. */
export function appliedBefore(stack: StackTemplate, before: PlacedObject, pod: PlacedObject): boolean {
  if (before.manifest.logicalId === pod.manifest.logicalId) return before.index < pod.index;
  return stack.dependsOn(pod.manifest.logicalId, before.manifest.logicalId);
}

/** The logical id a `${Id.Arn}` placeholder names. */
export function roleIdFromArn(value: unknown): string | undefined {
  return typeof value === 'string' ? /^\$\{([^.}]+)\.Arn\}$/.exec(value)?.[1] : undefined;
}

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_CLUSTER } from '../cluster-contract';
import { DRILL_METADATA_KEY, LAB_PODS_RESOURCE_TYPE, TOGGLES_METADATA_KEY } from '../lab-names';
import { Drill, parseDrill, parseLabConfig } from '../lab-config';
import { LabToggles, ScenarioId, scenario } from '../scenarios';
import { ExitCode, LabError, firstLine } from './errors';
import { CfnResource, IntrinsicResolver, referencedLogicalIds } from './private/intrinsics';

export { CfnResource, PLACEHOLDER_ISSUER } from './private/intrinsics';

/** Where `cdk synth` writes the cloud assembly unless told otherwise. */
export const DEFAULT_ASSEMBLY_DIR = 'cdk.out';

/** The CloudFormation type CDK uses for a manifest applied through the kubectl provider. */
export const KUBERNETES_RESOURCE_TYPE = 'Custom::AWSCDK-EKS-KubernetesResource';

/** A synthesized CloudFormation template. */
export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
  readonly Metadata?: Record<string, unknown>;
}

/** A Kubernetes object as a manifest resource applies it. */
export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata?: {
    readonly name?: string;
    readonly namespace?: string;
    readonly annotations?: Record<string, string>;
  };
  readonly [key: string]: unknown;
}

/** One resource that applies Kubernetes objects (a manifest, or a scenario's pods) and the objects it holds. */
export interface ManifestResource {
  readonly logicalId: string;
  readonly objects: readonly KubeObject[];
}

/** One stack's template, with the reading helpers the offline commands share. */
export class StackTemplate {
  readonly resolver: IntrinsicResolver;

  constructor(
    readonly stackName: string,
    readonly template: CfnTemplate,
  ) {
    this.resolver = new IntrinsicResolver(template.Resources ?? {});
  }

  get resources(): Readonly<Record<string, CfnResource>> {
    return this.template.Resources ?? {};
  }

  /** The resources of one type, with their logical ids. */
  resourcesOfType(type: string): { logicalId: string; resource: CfnResource }[] {
    return Object.entries(this.resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId, resource]) => ({ logicalId, resource }));
  }

  /** A property of a resource, with intrinsics resolved. */
  property(resource: CfnResource, name: string): unknown {
    return this.resolver.resolve(resource.Properties?.[name]);
  }

  /** The Kubernetes objects the stack applies, by resource: kubectl-provider manifests and `Custom::LabPods`. */
  manifests(): ManifestResource[] {
    const appliers = [...this.resourcesOfType(KUBERNETES_RESOURCE_TYPE), ...this.resourcesOfType(LAB_PODS_RESOURCE_TYPE)];
    return appliers.map(({ logicalId, resource }) => {
      const manifest = this.property(resource, 'Manifest');
      let objects: KubeObject[] = [];
      if (typeof manifest === 'string') {
        try {
          objects = JSON.parse(manifest) as KubeObject[];
        } catch (err) {
          throw new LabError(
            `The manifest of ${this.stackName}/${logicalId} is not JSON (${firstLine(err)}). Re-run \`npx cdk synth --quiet\`.`,
          );
        }
      }
      return { logicalId, objects };
    });
  }

  /** The resources `logicalId` names directly: `DependsOn` and the targets of `Ref`/`Fn::GetAtt`. */
  directDependencies(logicalId: string): Set<string> {
    const resource = this.resources[logicalId];
    if (!resource) return new Set();
    const deps = referencedLogicalIds(resource.Properties);
    const explicit = resource.DependsOn === undefined ? [] : ([] as string[]).concat(resource.DependsOn);
    for (const dep of explicit) deps.add(dep);
    return deps;
  }

  /** Whether CloudFormation creates `to` before `from`, directly or through other resources. */
  dependsOn(from: string, to: string): boolean {
    const seen = new Set<string>();
    const queue = [...this.directDependencies(from)];
    while (queue.length > 0) {
      const next = queue.shift()!;
      if (next === to) return true;
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...this.directDependencies(next));
    }
    return false;
  }
}

/** A drill a stack of the assembly was synthesized with. */
export interface RecordedDrill {
  readonly drill: Drill;
  /** The stack whose template metadata records it: the one the drill changes. */
  readonly stackName: string;
}

/** The cloud assembly `cdk synth` wrote: every stack's template, by stack name. */
export class LabAssembly {
  /** Reads `manifest.json` and the templates it lists. */
  static read(dir: string): LabAssembly {
    const manifestPath = join(dir, 'manifest.json');
    if (!existsSync(manifestPath)) {
      throw new LabError(
        `No cloud assembly in ${dir}. Run \`npx cdk synth --quiet\` (with the same -c options you deploy with), or pass --assembly DIR.`,
      );
    }
    let manifest: {
      artifacts?: Record<string, { type?: string; displayName?: string; properties?: { templateFile?: string; stackName?: string } }>;
    };
    try {
      manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    } catch (err) {
      throw new LabError(`${manifestPath} is not a cloud assembly manifest (${firstLine(err)}). Run \`npx cdk synth --quiet\` again.`);
    }
    const stacks = new Map<string, StackTemplate>();
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type !== 'aws:cloudformation:stack' || !artifact.properties?.templateFile) continue;
      const name = artifact.properties.stackName ?? id;
      const templatePath = join(dir, artifact.properties.templateFile);
      try {
        stacks.set(name, new StackTemplate(name, JSON.parse(readFileSync(templatePath, 'utf8')) as CfnTemplate));
      } catch (err) {
        throw new LabError(`Cannot read ${templatePath} (${firstLine(err)}). Run \`npx cdk synth --quiet\` again.`);
      }
    }
    return new LabAssembly(dir, stacks);
  }

  constructor(
    readonly dir: string,
    private readonly byName: ReadonlyMap<string, StackTemplate>,
  ) {}

  /** Every stack, in manifest order. */
  get stacks(): StackTemplate[] {
    return [...this.byName.values()];
  }

  stack(name: string): StackTemplate | undefined {
    return this.byName.get(name);
  }

  /** The cluster stack. */
  get clusterStack(): StackTemplate | undefined {
    return this.stack(LAB_CLUSTER.name);
  }

  /** The stack that deploys a scenario, if it was synthesized. */
  scenarioStack(id: ScenarioId): StackTemplate | undefined {
    return this.stack(scenario(id).stackName);
  }

  /**
   * The toggles the node-role stack was synthesized with, from its template metadata.
   * @returns undefined when the node-role stack is not in the assembly
   */
  toggles(): LabToggles | undefined {
    const stack = this.scenarioStack(ScenarioId.NODE_ROLE);
    if (!stack) return undefined;
    const recorded = stack.template.Metadata?.[TOGGLES_METADATA_KEY];
    if (recorded === null || typeof recorded !== 'object') {
      throw new LabError(
        `The ${stack.stackName} template in ${this.dir} has no '${TOGGLES_METADATA_KEY}' metadata. Re-run \`npx cdk synth --quiet\` with the current lab.`,
        ExitCode.CANNOT_CHECK,
      );
    }
    try {
      const config = parseLabConfig((key) => (recorded as Record<string, unknown>)[key]);
      return { imds: config.imds, nodeRoleS3Access: config.nodeRoleS3Access };
    } catch (err) {
      throw new LabError(`The toggles recorded in ${stack.stackName} are invalid: ${firstLine(err)}`);
    }
  }

  /**
   * The drill the lab was synthesized with, from the metadata of the stack it changes.
   * @returns undefined when no stack records one: the lab is deployed as it should be
   */
  drill(): RecordedDrill | undefined {
    const recording = this.stacks.filter((stack) => stack.template.Metadata?.[DRILL_METADATA_KEY] !== undefined);
    if (recording.length === 0) return undefined;
    if (recording.length > 1) {
      throw new LabError(
        `${recording.map((s) => s.stackName).join(' and ')} in ${this.dir} each record a drill, but one synth deploys one drill. Re-run \`npx cdk synth --quiet\`.`,
      );
    }
    const [stack] = recording;
    try {
      return { drill: parseDrill(stack.template.Metadata![DRILL_METADATA_KEY])!, stackName: stack.stackName };
    } catch (err) {
      throw new LabError(`The drill recorded in ${stack.stackName} is invalid: ${firstLine(err)}`);
    }
  }
}

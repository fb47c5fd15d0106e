import * as fs from 'node:fs';
import * as path from 'node:path';
import { StackTemplate } from './cfn-values';
import { CloudFormation, StackFailure, StackStatus } from './cloudformation';

/** A synthesized stack: its template and the stacks `cdk deploy` puts before it. */
export interface AssemblyStack {
  readonly name: string;
  readonly template: StackTemplate;
  readonly dependencies: readonly string[];
}

/** The stacks of a cloud assembly directory, as the CDK CLI reads its manifest.json. */
export function readAssembly(directory: string): AssemblyStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(directory, 'manifest.json'), 'utf8'));
  const artifacts = manifest.artifacts as Record<string, { type: string; properties?: { templateFile: string }; dependencies?: string[] }>;
  const stackNames = Object.keys(artifacts).filter((name) => artifacts[name].type === 'aws:cloudformation:stack');
  return stackNames.map((name) => ({
    name,
    template: JSON.parse(fs.readFileSync(path.join(directory, artifacts[name].properties!.templateFile), 'utf8')),
    dependencies: (artifacts[name].dependencies ?? []).filter((dependency) => stackNames.includes(dependency)),
  }));
}

/** How one `cdk deploy` or `cdk destroy` ended. */
export interface CdkRun {
  readonly command: string;
  /** Stacks whose deployment completed, in the order they completed. */
  readonly completed: string[];
  /** The first stack that failed, as `cdk` reports it. */
  readonly failure?: StackFailure;
  /** The most stacks deployed at once during the run. */
  readonly peakConcurrency: number;
}

/**
 * The CDK CLI's `deploy` and `destroy`, over the replayed CloudFormation.
 * - `cdk deploy STACK` deploys the stacks it depends on too, unless `--exclusively`; `--all` deploys
 *   every stack; `--concurrency N` runs up to N stack deployments at once, "dependency permitting"
 *   (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-deploy.html).
 * - A failed stack stops the run: no further stack starts, those under way finish
 *   (aws-cdk-cli `packages/@aws-cdk/toolkit-lib/lib/util/work-graph.ts`).
 * - A stack whose creation failed (ROLLBACK_COMPLETE) is deleted before it is created again
 *   (aws-cdk-cli `packages/@aws-cdk/toolkit-lib/lib/api/deployments/deploy-stack.ts`, `isCreationFailure`).
 * - `cdk destroy` deletes one stack at a time, dependents first: it has no `--concurrency`
 *   (https://docs.aws.amazon.com/cdk/v2/guide/ref-cli-cmd-destroy.html; aws/aws-cdk-cli#752).
 */
export class CdkCli {
  constructor(private readonly cloudFormation: CloudFormation) {}

  async deploy(assembly: readonly AssemblyStack[], options: { stacks?: string[]; concurrency?: number } = {}): Promise<CdkRun> {
    const selected = withDependencies(assembly, options.stacks ?? assembly.map((s) => s.name));
    const concurrency = options.concurrency ?? 1;
    const command = `cdk deploy ${options.stacks ? options.stacks.join(' ') : '--all'}${concurrency > 1 ? ` --concurrency ${concurrency}` : ''}`;
    const completed: string[] = [];
    const running = new Map<string, Promise<void>>();
    let failure: StackFailure | undefined;
    let peak = 0;
    const pending = assembly.filter((s) => selected.has(s.name));
    while (pending.length > 0 || running.size > 0) {
      if (!failure) {
        for (const stack of [...pending]) {
          if (running.size >= concurrency) break;
          if (!stack.dependencies.every((d) => !selected.has(d) || completed.includes(d))) continue;
          pending.splice(pending.indexOf(stack), 1);
          running.set(
            stack.name,
            this.deployOne(stack).then(
              () => {
                completed.push(stack.name);
              },
              (err: unknown) => {
                if (!(err instanceof StackFailure)) throw err;
                failure ??= err;
              },
            ),
          );
        }
        peak = Math.max(peak, running.size);
      } else {
        pending.length = 0;
      }
      if (running.size === 0) {
        if (pending.length > 0) throw new Error(`${command}: ${pending.map((s) => s.name).join(', ')} wait for stacks that never deploy`);
        break;
      }
      const names = [...running.keys()];
      const finished = await Promise.race(names.map((name, i) => running.get(name)!.then(() => names[i])));
      running.delete(finished);
    }
    return { command, completed, failure, peakConcurrency: peak };
  }

  async destroy(assembly: readonly AssemblyStack[], options: { stacks?: string[] } = {}): Promise<CdkRun> {
    const selected = new Set(options.stacks ?? assembly.map((s) => s.name));
    const command = `cdk destroy ${options.stacks ? options.stacks.join(' ') : '--all'} --force`;
    const completed: string[] = [];
    for (const stack of [...deployOrder(assembly)].reverse()) {
      if (!selected.has(stack.name) || this.cloudFormation.status(stack.name) === undefined) continue;
      try {
        await this.cloudFormation.destroy(stack.name);
        completed.push(stack.name);
      } catch (err) {
        if (!(err instanceof StackFailure)) throw err;
        return { command, completed, failure: err, peakConcurrency: 1 };
      }
    }
    return { command, completed, peakConcurrency: 1 };
  }

  private async deployOne(stack: AssemblyStack): Promise<void> {
    const status = this.cloudFormation.status(stack.name);
    if (status === StackStatus.ROLLBACK_COMPLETE || status === StackStatus.ROLLBACK_FAILED) await this.cloudFormation.destroy(stack.name);
    await this.cloudFormation.deploy(stack.name, stack.template);
  }
}

function withDependencies(assembly: readonly AssemblyStack[], names: readonly string[]): Set<string> {
  const byName = new Map(assembly.map((s) => [s.name, s]));
  const selected = new Set<string>();
  const add = (name: string): void => {
    const stack = byName.get(name);
    if (!stack) throw new Error(`No stack named ${name} in the assembly`);
    if (selected.has(name)) return;
    selected.add(name);
    stack.dependencies.forEach(add);
  };
  names.forEach(add);
  return selected;
}

function deployOrder(assembly: readonly AssemblyStack[]): AssemblyStack[] {
  const order: AssemblyStack[] = [];
  const byName = new Map(assembly.map((s) => [s.name, s]));
  const visit = (stack: AssemblyStack): void => {
    if (order.includes(stack)) return;
    stack.dependencies.forEach((d) => visit(byName.get(d)!));
    order.push(stack);
  };
  assembly.forEach(visit);
  return order;
}

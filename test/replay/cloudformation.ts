import { isDeepStrictEqual } from 'node:util';
import {
  ResolvedResource,
  StackTemplate,
  TemplateError,
  ValueScope,
  creationOrder,
  dependenciesOf,
  isTrue,
  resolveValue,
} from './cfn-values';
import { UpdateBehaviour, updateBehaviour } from './update-behaviours';

/**
 * CloudFormation, replayed offline: creates, updates and deletes stacks from synthesized
 * templates, sends each resource the request CloudFormation would, in the order it would, and
 * rolls back as it would. What a request does is up to the `ResourceHandler`.
 *
 * Sources for what it reproduces:
 * - order: DependsOn and Ref/GetAtt/Sub (aws-attribute-dependson.html, see cfn-values.ts);
 * - an Update only when a property changed, with OldResourceProperties
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/crpg-ref-requesttypes-update.html);
 * - replacement: the new resource first, the old one deleted in the cleanup phase, like every
 *   resource the new template no longer has
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-update-behaviors.html);
 * - rollback: a failed update puts every changed resource back, an Update with the old properties
 *   for those updated, a Delete for those created; a rollback that fails leaves the stack in
 *   UPDATE_ROLLBACK_FAILED, which cannot be updated
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-continueupdaterollback.html);
 *   a failed create deletes what it created and ends in ROLLBACK_COMPLETE
 *   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stack-failure-options.html);
 * - exports: an import of a missing export fails, and a stack whose export another imports
 *   cannot be deleted (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/walkthrough-crossstackref.html);
 * - time: see `OperationClock`.
 */

export type RequestType = 'Create' | 'Update' | 'Delete';

/** A request CloudFormation sends a resource (for a custom resource, its event). */
export interface ResourceRequest {
  readonly requestType: RequestType;
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  /** Absent on Create. */
  readonly physicalId?: string;
  readonly properties: Record<string, unknown>;
  /** On Update only. */
  readonly oldProperties?: Record<string, unknown>;
  /** Whether it is sent while rolling back. */
  readonly rollback: boolean;
  /** Whether the resource's Create failed (its Delete then comes during the rollback). */
  readonly afterFailedCreate?: boolean;
}

/** What a resource answers: its physical id and the attributes others may read. */
export interface ResourceAnswer {
  readonly physicalId?: string;
  readonly attributes?: Record<string, unknown>;
}

/** Carries out a request, or throws with the reason CloudFormation would show. */
export type ResourceHandler = (request: ResourceRequest) => Promise<ResourceAnswer>;

export enum StackStatus {
  CREATE_COMPLETE = 'CREATE_COMPLETE',
  ROLLBACK_COMPLETE = 'ROLLBACK_COMPLETE',
  ROLLBACK_FAILED = 'ROLLBACK_FAILED',
  UPDATE_COMPLETE = 'UPDATE_COMPLETE',
  UPDATE_ROLLBACK_COMPLETE = 'UPDATE_ROLLBACK_COMPLETE',
  UPDATE_ROLLBACK_FAILED = 'UPDATE_ROLLBACK_FAILED',
  DELETE_FAILED = 'DELETE_FAILED',
}

/** A stack operation that failed, as `cdk deploy` reports it. */
export class StackFailure extends Error {
  constructor(
    readonly stackName: string,
    readonly status: StackStatus,
    /** The resource that failed first, and why. */
    readonly logicalId: string | undefined,
    readonly reason: string,
    /** Resources whose rollback failed too, and why. */
    readonly rollbackFailures: readonly { logicalId: string; reason: string }[] = [],
  ) {
    super(
      `${stackName} ${status}: ${logicalId ?? 'stack'} failed: ${reason}` +
        rollbackFailures.map((f) => `; its rollback failed at ${f.logicalId}: ${f.reason}`).join(''),
    );
  }
}

/** A deployed resource, for a reader of what a deploy left. */
export interface DeployedResourceView {
  readonly stackName: string;
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  readonly properties: Record<string, unknown>;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface DeployedResource extends ResolvedResource {
  readonly type: string;
  readonly properties: Record<string, unknown>;
  /** What must be deleted after it, from the template it was last deployed with. */
  readonly dependencies: readonly string[];
  readonly retain: boolean;
}

interface DeployedStack {
  status: StackStatus;
  template: StackTemplate;
  resources: Map<string, DeployedResource>;
  exports: Map<string, string>;
}

/** One step of a stack operation, for rolling it back. */
interface Step {
  readonly logicalId: string;
  readonly action: 'create' | 'update' | 'replace';
  readonly before?: DeployedResource;
  readonly after?: DeployedResource;
  readonly failed?: boolean;
}

/** Every request sent, in order, as `stack logicalId Type RequestType[ (rollback)]`. */
export type RequestLog = string[];

/**
 * The time a stack operation takes, told to `passTime` in ticks. CloudFormation makes the service
 * calls for each resource it creates, updates or deletes
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-overview.html):
 * at least one call, one tick, each. It starts a resource once those it waits for are done, and
 * "creates, updates, and deletes resources in parallel to the extent possible" (DependsOn,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
 * The replay sends one request at a time, so this clock moves on to when a resource would start,
 * never back: resources that wait for nothing take one tick together, a chain of N takes N.
 */
class OperationClock {
  private elapsed = 0;
  private readonly doneAt = new Map<string, number>();

  constructor(private readonly passTime: (ticks: number) => void) {}

  /** Lets time pass until every resource of `waitsFor` that this operation sent a request is done; `logicalId` is done a tick later. */
  start(logicalId: string, waitsFor: Iterable<string>): void {
    let at = 0;
    for (const id of waitsFor) at = Math.max(at, this.doneAt.get(id) ?? 0);
    this.moveTo(at);
    this.doneAt.set(logicalId, at + 1);
  }

  /** Lets time pass until every resource sent so far is done: a phase, or the operation, ends with its last resource. */
  finish(): void {
    this.moveTo(Math.max(this.elapsed, ...this.doneAt.values()));
  }

  private moveTo(at: number): void {
    if (at <= this.elapsed) return;
    this.passTime(at - this.elapsed);
    this.elapsed = at;
  }
}

export class CloudFormation {
  private readonly stacks = new Map<string, DeployedStack>();
  readonly requests: RequestLog = [];
  private generation = 0;

  constructor(
    private readonly handle: ResourceHandler,
    private readonly env: { readonly account: string; readonly region: string },
    /** Told how many ticks each stack operation lets pass (`OperationClock`). */
    private readonly passTime: (ticks: number) => void = () => {},
  ) {}

  status(stackName: string): StackStatus | undefined {
    return this.stacks.get(stackName)?.status;
  }

  stackNames(): string[] {
    return [...this.stacks.keys()];
  }

  /** The physical id of a deployed resource. */
  physicalId(stackName: string, logicalId: string): string | undefined {
    return this.stacks.get(stackName)?.resources.get(logicalId)?.physicalId;
  }

  /** Every resource of every stack as last deployed: its resolved properties, physical id and attributes. */
  deployedResources(): DeployedResourceView[] {
    return [...this.stacks].flatMap(([stackName, stack]) =>
      [...stack.resources].map(([logicalId, resource]) => ({
        stackName,
        logicalId,
        type: resource.type,
        physicalId: resource.physicalId,
        properties: structuredClone(resource.properties),
        attributes: structuredClone(resource.attributes),
      })),
    );
  }

  /** CreateStack or UpdateStack, then wait: resolves when it completes, throws a StackFailure otherwise. */
  async deploy(stackName: string, template: StackTemplate): Promise<void> {
    const existing = this.stacks.get(stackName);
    if (existing?.status === StackStatus.UPDATE_ROLLBACK_FAILED || existing?.status === StackStatus.ROLLBACK_FAILED) {
      throw new StackFailure(
        stackName,
        existing.status,
        undefined,
        `Stack ${stackName} is in ${existing.status} state and can not be updated.`,
      );
    }
    if (existing?.status === StackStatus.ROLLBACK_COMPLETE) {
      // Only DeleteStack is allowed on a stack whose creation rolled back.
      throw new StackFailure(
        stackName,
        existing.status,
        undefined,
        `Stack ${stackName} is in ROLLBACK_COMPLETE state and can not be updated.`,
      );
    }
    const creating = existing === undefined;
    const stack: DeployedStack = existing ?? { status: StackStatus.CREATE_COMPLETE, template, resources: new Map(), exports: new Map() };
    const working = new Map(stack.resources);
    const scope = this.scope(stackName, template, working);
    const steps: Step[] = [];
    const replaced: { logicalId: string; resource: DeployedResource }[] = [];
    let failure: { logicalId: string; reason: string } | undefined;
    const clock = new OperationClock(this.passTime);

    for (const logicalId of creationOrder(template)) {
      const declared = template.Resources[logicalId];
      if (declared.Condition && !isTrue(declared.Condition, scope)) continue;
      const before = stack.resources.get(logicalId);
      let properties: Record<string, unknown>;
      try {
        properties = (resolveValue(declared.Properties ?? {}, scope) as Record<string, unknown>) ?? {};
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        failure = { logicalId, reason: err.message };
        break;
      }
      const dependencies = dependenciesOf(declared, template.Resources);
      const retain = (declared as { DeletionPolicy?: string }).DeletionPolicy === 'Retain';
      const base = { type: declared.Type, properties, dependencies, retain };

      if (before && before.type === declared.Type && isDeepStrictEqual(before.properties, properties)) {
        // Unchanged: CloudFormation sends nothing; a changed DependsOn alone is no change.
        working.set(logicalId, { ...before, dependencies });
        continue;
      }
      const changed = before ? changedProperties(before.properties, properties) : [];
      let action: Step['action'] = 'create';
      if (before) {
        try {
          action = updateBehaviour(declared.Type, changed) === UpdateBehaviour.REPLACEMENT ? 'replace' : 'update';
        } catch (err) {
          failure = { logicalId, reason: (err as Error).message };
          break;
        }
      }
      try {
        const answer = await this.send(
          {
            requestType: action === 'update' ? 'Update' : 'Create',
            stackName,
            logicalId,
            type: declared.Type,
            physicalId: action === 'update' ? before!.physicalId : undefined,
            properties,
            oldProperties: action === 'update' ? before!.properties : undefined,
            rollback: false,
          },
          clock,
          dependencies,
        );
        const physicalId = answer.physicalId ?? (action === 'update' ? before!.physicalId : this.newPhysicalId(stackName, logicalId));
        const after: DeployedResource = {
          ...base,
          physicalId,
          attributes: { ...(action === 'update' ? before!.attributes : {}), ...answer.attributes },
        };
        working.set(logicalId, after);
        // A custom resource that answers an Update with a new physical id has been replaced.
        if (action === 'update' && physicalId !== before!.physicalId) action = 'replace';
        if (action === 'replace') replaced.push({ logicalId, resource: before! });
        steps.push({ logicalId, action, before, after });
      } catch (err) {
        failure = { logicalId, reason: (err as Error).message };
        steps.push({ logicalId, action, before, failed: true, after: before && { ...before, properties } });
        break;
      }
    }

    if (failure) {
      const rollbackFailures = await this.rollBack(stackName, steps, clock);
      clock.finish();
      if (creating) {
        stack.status = rollbackFailures.length ? StackStatus.ROLLBACK_FAILED : StackStatus.ROLLBACK_COMPLETE;
        stack.resources = rollbackFailures.length ? working : new Map();
      } else {
        stack.status = rollbackFailures.length ? StackStatus.UPDATE_ROLLBACK_FAILED : StackStatus.UPDATE_ROLLBACK_COMPLETE;
      }
      this.stacks.set(stackName, stack);
      throw new StackFailure(stackName, stack.status, failure.logicalId, failure.reason, rollbackFailures);
    }

    // The cleanup phase: replaced resources, then resources the new template no longer has.
    const removed = [...working.keys()].filter((id) => !(id in template.Resources) || !this.kept(template, id, scope));
    // A template that changes no resource is "No updates are to be performed": the status stays.
    if (creating || steps.length > 0 || removed.length > 0)
      stack.status = creating ? StackStatus.CREATE_COMPLETE : StackStatus.UPDATE_COMPLETE;
    stack.resources = working;
    stack.template = template;
    stack.exports = this.exportsOf(stackName, template, working);
    this.stacks.set(stackName, stack);
    // The cleanup phase starts once every resource is created or updated.
    clock.finish();
    for (const { logicalId, resource } of replaced) await this.deleteQuietly(stackName, logicalId, resource, clock, []);
    const removedDependents = dependentsWithin(removed, working);
    for (const logicalId of deletionOrder(removed, working)) {
      const resource = working.get(logicalId)!;
      working.delete(logicalId);
      await this.deleteQuietly(stackName, logicalId, resource, clock, removedDependents.get(logicalId)!);
    }
    clock.finish();
  }

  /** DeleteStack, then wait. */
  async destroy(stackName: string): Promise<void> {
    const stack = this.stacks.get(stackName);
    if (!stack) return;
    for (const [exported] of stack.exports) {
      const importer = [...this.stacks.entries()].find(
        ([name, other]) => name !== stackName && JSON.stringify(other.template).includes(JSON.stringify({ 'Fn::ImportValue': exported })),
      );
      if (importer) {
        throw new StackFailure(
          stackName,
          stack.status,
          undefined,
          `Export ${exported} cannot be deleted as it is in use by ${importer[0]}`,
        );
      }
    }
    const clock = new OperationClock(this.passTime);
    const dependents = dependentsWithin([...stack.resources.keys()], stack.resources);
    for (const logicalId of deletionOrder([...stack.resources.keys()], stack.resources)) {
      const resource = stack.resources.get(logicalId)!;
      if (resource.retain) {
        stack.resources.delete(logicalId);
        continue;
      }
      try {
        await this.send(
          {
            requestType: 'Delete',
            stackName,
            logicalId,
            type: resource.type,
            physicalId: resource.physicalId,
            properties: resource.properties,
            rollback: false,
          },
          clock,
          dependents.get(logicalId)!,
        );
        stack.resources.delete(logicalId);
      } catch (err) {
        clock.finish();
        stack.status = StackStatus.DELETE_FAILED;
        throw new StackFailure(stackName, StackStatus.DELETE_FAILED, logicalId, (err as Error).message);
      }
    }
    clock.finish();
    this.stacks.delete(stackName);
  }

  private async rollBack(stackName: string, steps: Step[], clock: OperationClock): Promise<{ logicalId: string; reason: string }[]> {
    const failures: { logicalId: string; reason: string }[] = [];
    // Each step is undone after the steps that depend on it.
    const stepResources = new Map(steps.map((step) => [step.logicalId, { dependencies: (step.after ?? step.before)?.dependencies ?? [] }]));
    const dependents = dependentsWithin([...stepResources.keys()], stepResources);
    for (const step of [...steps].reverse()) {
      const { logicalId } = step;
      try {
        if (step.action === 'update') {
          // The resource gets its old properties back, and learns what it had been given.
          await this.send(
            {
              requestType: 'Update',
              stackName,
              logicalId,
              type: step.before!.type,
              physicalId: step.before!.physicalId,
              properties: step.before!.properties,
              oldProperties: step.after!.properties,
              rollback: true,
            },
            clock,
            dependents.get(logicalId)!,
          );
        } else if (step.after || step.failed) {
          // What this operation created goes; a failed Create gets its Delete too.
          const created = step.after ?? step.before;
          if (step.action === 'create' || step.action === 'replace') {
            await this.send(
              {
                requestType: 'Delete',
                stackName,
                logicalId,
                type: created?.type ?? 'unknown',
                physicalId: step.failed ? undefined : step.after?.physicalId,
                properties: step.failed ? {} : step.after!.properties,
                rollback: true,
                afterFailedCreate: step.failed,
              },
              clock,
              dependents.get(logicalId)!,
            );
          }
        }
      } catch (err) {
        failures.push({ logicalId, reason: (err as Error).message });
        // CloudFormation stops the rollback at the resource it cannot roll back.
        break;
      }
    }
    return failures;
  }

  private async deleteQuietly(
    stackName: string,
    logicalId: string,
    resource: DeployedResource,
    clock: OperationClock,
    waitsFor: readonly string[],
  ): Promise<void> {
    if (resource.retain) return;
    try {
      await this.send(
        {
          requestType: 'Delete',
          stackName,
          logicalId,
          type: resource.type,
          physicalId: resource.physicalId,
          properties: resource.properties,
          rollback: false,
        },
        clock,
        waitsFor,
      );
    } catch (err) {
      // A failed cleanup delete leaves the resource behind; the stack stays UPDATE_COMPLETE.
      this.requests.push(`${stackName} ${logicalId} DELETE_FAILED in cleanup: ${(err as Error).message}`);
    }
  }

  /** Sends `request` once the resources it waits for, of those this operation sent, are done. */
  private async send(request: ResourceRequest, clock: OperationClock, waitsFor: Iterable<string>): Promise<ResourceAnswer> {
    clock.start(request.logicalId, waitsFor);
    this.requests.push(
      `${request.stackName} ${request.logicalId} ${request.type} ${request.requestType}${request.rollback ? ' (rollback)' : ''}`,
    );
    return this.handle(request);
  }

  private kept(template: StackTemplate, logicalId: string, scope: ValueScope): boolean {
    const condition = template.Resources[logicalId]?.Condition;
    return condition === undefined || isTrue(condition, scope);
  }

  private newPhysicalId(stackName: string, logicalId: string): string {
    this.generation += 1;
    return `${stackName}-${logicalId}-${this.generation}`;
  }

  private scope(stackName: string, template: StackTemplate, resources: Map<string, DeployedResource>): ValueScope {
    return {
      stackName,
      account: this.env.account,
      region: this.env.region,
      resource: (id) => resources.get(id),
      importValue: (name) => {
        for (const [other, stack] of this.stacks) if (other !== stackName && stack.exports.has(name)) return stack.exports.get(name);
        return undefined;
      },
      conditions: template.Conditions ?? {},
    };
  }

  private exportsOf(stackName: string, template: StackTemplate, resources: Map<string, DeployedResource>): Map<string, string> {
    const scope = this.scope(stackName, template, resources);
    const exports = new Map<string, string>();
    for (const output of Object.values(template.Outputs ?? {})) {
      if (output.Export) exports.set(String(resolveValue(output.Export.Name, scope)), String(resolveValue(output.Value, scope)));
    }
    return exports;
  }
}

function changedProperties(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => !isDeepStrictEqual(before[key], after[key])).sort();
}

/** For each of `ids`, those of `ids` that depend on it: what its deletion waits for. */
function dependentsWithin(ids: string[], resources: ReadonlyMap<string, { dependencies: readonly string[] }>): Map<string, string[]> {
  return new Map(ids.map((id) => [id, ids.filter((other) => resources.get(other)?.dependencies.includes(id))]));
}

/** Dependents before what they depend on: the reverse of creation order. */
function deletionOrder(ids: string[], resources: ReadonlyMap<string, { dependencies: readonly string[] }>): string[] {
  const wanted = new Set(ids);
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    if (seen.has(id)) return;
    seen.add(id);
    for (const dependency of resources.get(id)?.dependencies ?? []) if (resources.has(dependency)) visit(dependency);
    if (wanted.has(id)) order.push(id);
  };
  for (const id of ids) visit(id);
  return order.reverse();
}

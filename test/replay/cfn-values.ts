/**
 * Template values resolved to what CloudFormation would pass a resource: every intrinsic the lab's
 * templates use, against the resources deployed so far. A value CloudFormation would know only
 * from AWS (an ARN, a generated name) becomes a stable placeholder that changes only when the
 * resource behind it is replaced or, for an attribute the replay models, when it changes.
 * Intrinsic function reference:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html
 */

/** One resource as the template declares it. */
export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DependsOn?: string | string[];
  readonly Condition?: string;
}

/** A stack's template, as far as the replay reads it. */
export interface StackTemplate {
  readonly Resources: Record<string, TemplateResource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** What a deployed resource offers to the values of others: its `Ref` and its attributes. */
export interface ResolvedResource {
  readonly physicalId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ValueScope {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** The resources deployed so far in this operation, by logical id. */
  readonly resource: (logicalId: string) => ResolvedResource | undefined;
  /** A value another stack exports, or undefined if no stack does. */
  readonly importValue: (name: string) => string | undefined;
  readonly conditions: Readonly<Record<string, unknown>>;
}

/** Thrown when a template asks for something CloudFormation would refuse. */
export class TemplateError extends Error {}

/** `AWS::NoValue` removes the property that holds it (pseudo-parameters-reference). */
const NO_VALUE = Symbol('AWS::NoValue');

export function resolveValue(value: unknown, scope: ValueScope): unknown {
  const resolved = resolve(value, scope);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(value: unknown, scope: ValueScope): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, scope)).filter((item) => item !== NO_VALUE);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    return intrinsic(entries[0][0], entries[0][1], scope);
  }
  const out: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolvedItem = resolve(item, scope);
    if (resolvedItem !== NO_VALUE) out[key] = resolvedItem;
  }
  return out;
}

function intrinsic(name: string, arg: unknown, scope: ValueScope): unknown {
  switch (name) {
    case 'Ref':
      return ref(String(arg), scope);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.');
      const target = deployed(logicalId, scope);
      // An attribute the replay does not model reads as `<physical id>.<attribute>`: it stays
      // the same until the resource is replaced, as an ARN does.
      return attribute in target.attributes ? target.attributes[attribute] : `${target.physicalId}.${attribute}`;
    }
    case 'Fn::Join': {
      const [separator, items] = arg as [string, unknown[]];
      return (resolve(items, scope) as unknown[]).map(String).join(separator);
    }
    case 'Fn::Select': {
      const [index, list] = arg as [unknown, unknown];
      const items = resolve(list, scope) as unknown[];
      const at = Number(resolve(index, scope));
      if (!Array.isArray(items) || at >= items.length) throw new TemplateError(`Fn::Select index ${at} out of ${JSON.stringify(items)}`);
      return items[at];
    }
    case 'Fn::Split': {
      const [separator, source] = arg as [string, unknown];
      return String(resolve(source, scope)).split(separator);
    }
    case 'Fn::Sub': {
      const [text, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, Record<string, unknown>];
      return text.replace(/\$\{([^}]+)\}/g, (_match, key: string) => {
        if (key in variables) return String(resolve(variables[key], scope));
        if (key.includes('.') && !key.startsWith('AWS::')) return String(intrinsic('Fn::GetAtt', key, scope));
        return String(ref(key, scope));
      });
    }
    case 'Fn::ImportValue': {
      const exportName = String(resolve(arg, scope));
      const imported = scope.importValue(exportName);
      // "No export named X found" fails the stack operation (walkthrough-crossstackref).
      if (imported === undefined) throw new TemplateError(`No export named ${exportName} found`);
      return imported;
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = arg as [string, unknown, unknown];
      return resolve(isTrue(condition, scope) ? whenTrue : whenFalse, scope);
    }
    case 'Fn::Equals': {
      const [left, right] = arg as [unknown, unknown];
      return JSON.stringify(resolve(left, scope)) === JSON.stringify(resolve(right, scope));
    }
    case 'Fn::Not':
      return !resolve((arg as unknown[])[0], scope);
    default:
      // A fake refuses what it does not model.
      throw new TemplateError(`The replay does not resolve ${name} (${JSON.stringify(arg).slice(0, 120)})`);
  }
}

/** Whether a template condition holds. */
export function isTrue(condition: string, scope: ValueScope): boolean {
  if (!(condition in scope.conditions)) throw new TemplateError(`Unknown condition ${condition}`);
  return resolve(scope.conditions[condition], scope) === true;
}

// Pseudo parameters: https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html
function ref(name: string, scope: ValueScope): unknown {
  switch (name) {
    case 'AWS::AccountId':
      return scope.account;
    case 'AWS::Region':
      return scope.region;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return scope.stackName;
    case 'AWS::NoValue':
      return NO_VALUE;
    default:
      return deployed(name, scope).physicalId;
  }
}

function deployed(logicalId: string, scope: ValueScope): ResolvedResource {
  const target = scope.resource(logicalId);
  if (!target) throw new TemplateError(`${scope.stackName}: ${logicalId} is referenced before it exists`);
  return target;
}

/**
 * The logical ids a resource needs before it: `DependsOn`, and every `Ref`, `Fn::GetAtt` and
 * `Fn::Sub` reference. "Resource B is created before resource A, A is deleted before B, B is
 * updated before A" (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-dependson.html).
 */
export function dependenciesOf(resource: TemplateResource, resources: Readonly<Record<string, unknown>>): string[] {
  const found = new Set<string>(typeof resource.DependsOn === 'string' ? [resource.DependsOn] : (resource.DependsOn ?? []));
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string') found.add(item);
      else if (key === 'Fn::GetAtt') found.add(Array.isArray(item) ? String(item[0]) : String(item).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? String(item[0]) : String(item);
        for (const [, name] of text.matchAll(/\$\{([^}.]+)/g)) found.add(name);
        if (Array.isArray(item)) walk(item[1]);
      } else walk(item);
    }
  };
  walk(resource.Properties ?? {});
  return [...found].filter((id) => id in resources);
}

/** Logical ids in an order that creates each after what it depends on; ties keep template order. */
export function creationOrder(template: StackTemplate): string[] {
  const resources = template.Resources;
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    // CloudFormation rejects a template whose dependencies form a cycle ("Circular dependency between resources").
    if (state.get(id) === 'visiting') throw new TemplateError(`Circular dependency between resources: ${[...path, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const dependency of dependenciesOf(resources[id], resources)) visit(dependency, [...path, id]);
    state.set(id, 'done');
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}

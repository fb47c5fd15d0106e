import { PolicyDocument, PolicyStatement } from './cluster-model';
import { editDistance } from './edit-distance';

/** A string or list of strings as a list: IAM accepts both wherever a list is allowed. */
export function listOf(value: string | readonly string[] | boolean | undefined): string[] {
  if (value === undefined) return [];
  return ([] as (string | boolean)[]).concat(value as string | string[]).map(String);
}

/** The statements of a document: IAM accepts one statement or a list. */
export function statementsOf(document: PolicyDocument | undefined): PolicyStatement[] {
  return ([] as PolicyStatement[]).concat((document?.Statement as PolicyStatement | PolicyStatement[] | undefined) ?? []);
}

/** Whether an IAM action pattern (`sts:*`, `*`) covers an action; IAM compares actions case-insensitively. */
export function actionMatches(pattern: string, action: string): boolean {
  return stringLike(pattern.toLowerCase(), action.toLowerCase());
}

/** Whether an Allow statement allows the action. */
export function allowsAction(statement: PolicyStatement, action: string): boolean {
  return statement.Effect === 'Allow' && listOf(statement.Action).some((pattern) => actionMatches(pattern, action));
}

/** The principals of one type a statement names; `"*"` counts as every principal. */
export function principalsOf(statement: PolicyStatement, type: 'AWS' | 'Service' | 'Federated'): string[] {
  if (statement.Principal === '*') return ['*'];
  if (typeof statement.Principal !== 'object') return [];
  return listOf(statement.Principal[type]);
}

/**
 * StringLike: `*` matches any run of characters, `?` exactly one, case-sensitively
 * (IAM User Guide, reference_policies_elements_condition_operators.html#Conditions_String).
 */
export function stringLike(pattern: string, value: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 's').test(value);
}

/** One condition key of a statement that a request does not satisfy, and why. */
export interface ConditionMiss {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
  /** The request's value for the key, or undefined if the request has none. */
  readonly actual?: string;
  readonly why: string;
}

/** What evaluating a statement's conditions against a request found. */
export interface ConditionResult {
  readonly matches: boolean;
  readonly misses: readonly ConditionMiss[];
  /** Condition keys this evaluation cannot decide (unknown operator, or a key the request context does not model). */
  readonly undecided: readonly string[];
}

/**
 * Evaluates a statement's Condition against a request's context as IAM does: every operator and
 * every key under it must match (AND); the values of one key are alternatives (OR). A key the
 * request does not carry fails StringEquals and StringLike, unless the operator ends in IfExists
 * (IAM User Guide, reference_policies_condition-logic-multiple-context-keys-or-values.html).
 * Keys outside `modelled` are undecided, not failed.
 */
export function evaluateConditions(
  statement: PolicyStatement,
  context: Readonly<Record<string, string>>,
  modelled: (key: string) => boolean,
): ConditionResult {
  const misses: ConditionMiss[] = [];
  const undecided: string[] = [];
  for (const [rawOperator, conditions] of Object.entries(statement.Condition ?? {})) {
    const ifExists = rawOperator.endsWith('IfExists');
    const operator = ifExists ? rawOperator.slice(0, -'IfExists'.length) : rawOperator;
    for (const [key, raw] of Object.entries(conditions)) {
      const values = listOf(raw);
      const actual = context[key];
      if (actual === undefined && !modelled(key)) {
        undecided.push(key);
        continue;
      }
      if (operator !== 'StringEquals' && operator !== 'StringLike') {
        undecided.push(key);
        continue;
      }
      if (actual === undefined) {
        if (!ifExists) misses.push({ operator: rawOperator, key, values, why: `the request carries no ${key}` });
        continue;
      }
      const match = operator === 'StringEquals' ? values.includes(actual) : values.some((pattern) => stringLike(pattern, actual));
      if (!match) misses.push({ operator: rawOperator, key, values, actual, why: nearestMiss(operator, values, actual) });
    }
  }
  return { matches: misses.length === 0 && undecided.length === 0, misses, undecided };
}

/** Explains why no value matched, from the value that came closest. */
export function nearestMiss(operator: string, values: readonly string[], actual: string): string {
  const nearest = [...values].sort((a, b) => editDistance(a, actual) - editDistance(b, actual))[0] ?? '';
  if (operator === 'StringEquals' && /[*?]/.test(nearest) && stringLike(nearest, actual)) {
    return `'${nearest}' would match as a pattern, but StringEquals compares literally: '*' and '?' are plain characters there, so it never matches`;
  }
  if (nearest.toLowerCase() === actual.toLowerCase())
    return `'${nearest}' differs from '${actual}' only in case, and the comparison is case-sensitive`;
  const at = [...actual].findIndex((char, i) => nearest[i] !== char);
  const where = at < 0 ? nearest.length : at;
  return `the nearest value '${nearest}' differs from '${actual}' from character ${where + 1} on ('${nearest.slice(where)}' instead of '${actual.slice(where)}')`;
}

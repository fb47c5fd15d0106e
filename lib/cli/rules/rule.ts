import { Drill } from '../../lab-config';
import { ClusterModel } from '../../model/cluster-model';

/** How bad a finding is; the names are SARIF's `level` values. */
export enum Severity {
  ERROR = 'error',
  WARNING = 'warning',
  NOTE = 'note',
}

/** From least to most severe, for `--fail-on`. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { [Severity.NOTE]: 0, [Severity.WARNING]: 1, [Severity.ERROR]: 2 };

/** One diagnosis: what is wrong, where, under which mechanism, and how to fix it. */
export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  /** The service account, pod, role, association or node, e.g. `pod irsa/eks-iam-test3`. */
  readonly subject: string;
  /** The credential mechanism in effect for the subject. */
  readonly mechanism?: string;
  /** The failing field, e.g. `AssumeRolePolicyDocument StringEquals <issuer>:aud`. */
  readonly field?: string;
  /** What the field should be. */
  readonly expected?: string;
  readonly message: string;
  readonly fix: string;
  /** The lab drill that reproduces it (`-c drill=…`). */
  readonly drill?: Drill;
  /** False when the rule could not check: "not verifiable: <why>". */
  readonly verifiable: boolean;
}

/** One check, in cdk-nag's manner: an id, an explanation, a level, and a function. */
export interface Rule {
  /** Stable: tools and suppressions refer to it. */
  readonly id: string;
  readonly name: string;
  readonly severity: Severity;
  /** Why it matters, in a sentence or two. */
  readonly explanation: string;
  /** The general fix; each finding's fix names its subject. */
  readonly resolution: string;
  readonly links: readonly string[];
  /** Never reads a source: only the model. */
  evaluate(model: ClusterModel): Finding[];
}

export type FindingFields = Omit<Finding, 'ruleId' | 'severity' | 'verifiable'> & { readonly severity?: Severity };

/** A finding of a rule, at the rule's severity unless it says otherwise. */
export function finding(rule: Pick<Rule, 'id' | 'severity'>, fields: FindingFields): Finding {
  return { ...fields, ruleId: rule.id, severity: fields.severity ?? rule.severity, verifiable: true };
}

/** A check the rule could not make, and why. */
export function notVerifiable(rule: Pick<Rule, 'id' | 'severity'>, subject: string, why: string, fix: string): Finding {
  return { ruleId: rule.id, severity: Severity.NOTE, subject, message: `not verifiable: ${why}`, fix, verifiable: false };
}

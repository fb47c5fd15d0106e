/** Where a finding belongs: a scenario, or the cluster they share. */
export const CLUSTER_SCOPE = 'cluster';

/** One thing `lab doctor` checked. */
export interface Finding {
  /** A scenario id, or `cluster`. */
  readonly scope: string;
  /** What was checked, in a few words. */
  readonly check: string;
  readonly ok: boolean;
  /** What was found. */
  readonly detail: string;
  /**
   * How to fix it.
   * @default - nothing to fix
   */
  readonly fix?: string;
}

/** Collects findings for one scope. */
export class FindingList {
  readonly findings: Finding[] = [];

  pass(scope: string, check: string, detail: string): void {
    this.findings.push({ scope, check, ok: true, detail });
  }

  fail(scope: string, check: string, detail: string, fix: string): void {
    this.findings.push({ scope, check, ok: false, detail, fix });
  }
}

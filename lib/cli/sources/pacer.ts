/**
 * Spaces calls to one API at a documented rate. EC2 refills a non-mutating action's token bucket
 * at 20 per second (EC2 Developer Guide, ec2-api-throttling.html); EKS and IAM publish no per-API
 * rate, so the audit keeps to the same 20 per second there. Kubernetes clients default to 5 per
 * second (client-go `rest.DefaultQPS`).
 */
export class Pacer {
  private next = 0;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  /** Waits until the next call is due. */
  async pace(): Promise<void> {
    const now = this.now();
    const due = Math.max(now, this.next);
    this.next = due + 1000 / this.perSecond;
    if (due > now) await this.sleep(due - now);
  }
}

/** The documented or default rates, per second. */
export const RATES = { ec2: 20, eks: 20, iam: 20, kubernetes: 5 } as const;

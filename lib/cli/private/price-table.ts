/**
 * AWS list prices the cost estimate uses. They change: keep `asOf` with them.
 * @see https://aws.amazon.com/eks/pricing/
 * @see https://aws.amazon.com/ec2/pricing/on-demand/
 */
export const PRICE_TABLE = {
  source: 'AWS list prices, US East (Ohio), on-demand, USD',
  asOf: '2026-11-26',
  /** EKS charges per cluster hour; a version past standard support costs six times as much. */
  eksControlPlanePerHour: { standard: 0.1, extended: 0.6 },
  natGatewayPerHour: 0.045,
  /** Every public IPv4 address, attached or not. */
  publicIpv4PerHour: 0.005,
  ebsPerGbMonth: { gp3: 0.08 } as Record<string, number>,
  kmsKeyPerMonth: 1,
  secretPerMonth: 0.4,
  instancePerHour: {
    't3.small': 0.0208,
    't3.medium': 0.0416,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    'm5.large': 0.096,
  } as Record<string, number>,
} as const;

/** How AWS turns a monthly price into an hourly one, and back. */
export const HOURS_PER_MONTH = 730;

/** Which support window a Kubernetes version is in, as of the price table's date. */
export enum SupportTier {
  STANDARD = 'standard',
  EXTENDED = 'extended',
}

/**
 * End of EKS standard support per Kubernetes version: 14 months after EKS released it.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html
 */
export const STANDARD_SUPPORT_ENDS: Readonly<Record<string, string>> = {
  '1.28': '2024-11-26',
  '1.29': '2025-03-23',
  '1.30': '2025-07-23',
  '1.31': '2025-11-26',
  '1.32': '2026-03-23',
  '1.33': '2026-07-29',
  '1.34': '2026-12-02',
  '1.35': '2027-03-27',
};

/** The support tier of a version on the price table's date, and why. */
export function supportTier(version: string, asOf: string = PRICE_TABLE.asOf): { tier: SupportTier; reason: string } {
  const ends = STANDARD_SUPPORT_ENDS[version];
  if (ends) {
    return asOf < ends
      ? { tier: SupportTier.STANDARD, reason: `in standard support until ${ends}` }
      : { tier: SupportTier.EXTENDED, reason: `in extended support: standard support ended ${ends}` };
  }
  const known = Object.keys(STANDARD_SUPPORT_ENDS).sort(compareVersions);
  if (compareVersions(version, known[known.length - 1]) > 0) {
    // Newer than every listed version, so released after them: younger than 14 months on the table's date.
    return { tier: SupportTier.STANDARD, reason: `newer than ${known[known.length - 1]}, so in standard support` };
  }
  return { tier: SupportTier.EXTENDED, reason: `older than ${known[0]}, so past standard support` };
}

function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split('.').map(Number);
  const [bMajor, bMinor] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

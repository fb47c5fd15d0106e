import { decodeJwt, decodeProtectedHeader } from 'jose';

/** What `lab token` shows of a token: its header and claims, never the token itself. */
export interface TokenClaims {
  readonly alg?: string;
  readonly kid?: string;
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string[];
  /** Issued at, ISO 8601. */
  readonly iat?: string;
  /** Expires at, ISO 8601. */
  readonly exp?: string;
  /** exp - iat, in seconds; undefined when the token never expires. */
  readonly lifetimeSeconds?: number;
  /**
   * The `kubernetes.io` claim's `warnafter`, ISO 8601: when the token would have
   * expired had the API server not extended it.
   * @default - no warnafter: the token's exp is its real lifetime
   */
  readonly warnAfter?: string;
  /** warnafter - iat, in seconds. */
  readonly warnAfterSeconds?: number;
}

/**
 * Decodes a JWT's header and claims without verifying it.
 *
 * With `--service-account-extend-token-expiration` (on by default), the API server
 * issues a token the kubelet asked to last 3607 s for much longer, and records the
 * hour in `kubernetes.io.warnafter` (kubernetes pkg/serviceaccount/claims.go:
 * WarnOnlyBoundTokenExpirationSeconds, ExpirationExtensionSeconds). EKS extends it
 * to 90 days ("Service account tokens", EKS user guide).
 */
export function decodeClaims(token: string): TokenClaims {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const aud = claims.aud === undefined ? undefined : ([] as string[]).concat(claims.aud);
  const warnAfter = (claims['kubernetes.io'] as { warnafter?: unknown } | undefined)?.warnafter;
  const warn = typeof warnAfter === 'number' ? warnAfter : undefined;
  return {
    alg: header.alg,
    kid: header.kid,
    iss: claims.iss,
    sub: claims.sub,
    aud,
    iat: isoTime(claims.iat),
    exp: isoTime(claims.exp),
    lifetimeSeconds: claims.exp !== undefined && claims.iat !== undefined ? claims.exp - claims.iat : undefined,
    warnAfter: isoTime(warn),
    warnAfterSeconds: warn !== undefined && claims.iat !== undefined ? warn - claims.iat : undefined,
  };
}

function isoTime(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** `3607` → `3607 s (1h 0m 7s)`; `7776000` → `7776000 s (90d 0h 0m 0s)`; no lifetime → `never`. */
export function describeLifetime(seconds: number | undefined): string {
  if (seconds === undefined) return 'never';
  const d = seconds > 86400 ? Math.floor(seconds / 86400) : 0;
  const h = Math.floor((seconds - d * 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${seconds} s (${d > 0 ? `${d}d ` : ''}${h}h ${m}m ${s}s)`;
}

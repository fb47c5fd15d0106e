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
}

/** Decodes a JWT's header and claims without verifying it. */
export function decodeClaims(token: string): TokenClaims {
  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  const aud = claims.aud === undefined ? undefined : ([] as string[]).concat(claims.aud);
  return {
    alg: header.alg,
    kid: header.kid,
    iss: claims.iss,
    sub: claims.sub,
    aud,
    iat: isoTime(claims.iat),
    exp: isoTime(claims.exp),
    lifetimeSeconds: claims.exp !== undefined && claims.iat !== undefined ? claims.exp - claims.iat : undefined,
  };
}

function isoTime(seconds: number | undefined): string | undefined {
  return seconds === undefined ? undefined : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** `3607` → `3607 s (1h 0m 7s)`; no lifetime → `never`. */
export function describeLifetime(seconds: number | undefined): string {
  if (seconds === undefined) return 'never';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${seconds} s (${h}h ${m}m ${s}s)`;
}

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { ScenarioId, scenario as scenarioById } from '../../scenarios';
import { ExitCode, LabError, firstLine } from '../errors';
import { LabKube } from '../kube';
import { Output, mark } from '../output';
import { TokenClaims, decodeClaims, describeLifetime } from '../private/jwt';
import { STS_AUDIENCE } from '../../lab-names';

/** The kinds of service-account token a lab pod can see. */
export enum TokenKind {
  /** A Secret of type `kubernetes.io/service-account-token`: issued by `kubernetes/serviceaccount`, never expires. */
  LEGACY = 'legacy Secret',
  /** The kubelet-projected token every pod gets, for the API server. */
  PROJECTED = 'projected (default)',
  /** The token the IRSA webhook projects, audience sts.amazonaws.com. */
  IRSA = 'IRSA',
  /** The token the Pod Identity webhook projects, for the node agent. */
  POD_IDENTITY = 'Pod Identity',
}

/** Where each token is read from. */
export const TOKEN_PATHS = {
  [TokenKind.PROJECTED]: '/var/run/secrets/kubernetes.io/serviceaccount/token',
  [TokenKind.IRSA]: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
  [TokenKind.POD_IDENTITY]: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
} as const;

/**
 * The Pod Identity token's lifetime when no `eks.amazonaws.com/token-expiration` annotation sets
 * one. The webhook asks for 86,400 s; since amazon-eks-pod-identity-webhook PR #260 (merged
 * 2025-03-03) it picks a lifetime at random between 79,200 and 86,400 s for each pod, on the
 * container-credentials path only (`pkg/constants.go` DefaultMinTokenExpiration, `pkg/handler/handler.go`
 * addJitterToDefaultToken). Which webhook build EKS runs is not public.
 */
export const POD_IDENTITY_DEFAULT_LIFETIME = { minSeconds: 79_200, maxSeconds: 86_400 } as const;

/** The legacy token Secret the node-role scenario requests (`LEGACY_TOKEN_SECRET` in the node-role stack). */
export const LEGACY_SECRET = { namespace: 'node-role', name: 'legacy-default-token' } as const;

interface TokenSource {
  readonly kind: TokenKind;
  /** `Secret node-role/legacy-default-token` or `irsa/eks-iam-test4:<path>`. */
  readonly from: string;
  readonly read: (kube: LabKube) => Promise<string | { missing: string }>;
}

/** One token as read and decoded. */
export interface TokenReport {
  readonly kind: TokenKind;
  readonly from: string;
  /** Why it could not be read. */
  readonly missing?: string;
  readonly claims?: TokenClaims;
  /** Whether STS would take it as a web identity, and why (IRSA: checked against the issuer's keys). */
  readonly forSts?: { readonly ok: boolean; readonly detail: string };
}

export interface TokenOptions {
  /**
   * The scenario whose tokens to read.
   * @default - the legacy, default projected, IRSA and Pod Identity tokens, one of each
   */
  readonly scenario?: ScenarioId;
}

export interface TokenDeps {
  readonly kube: LabKube;
  readonly out: Output;
  /** Fetches the issuer's discovery document. */
  readonly fetch: typeof fetch;
}

function fileIn(scenarioId: ScenarioId, kind: Exclude<TokenKind, TokenKind.LEGACY>): TokenSource {
  const { namespace, sleepPod } = scenarioById(scenarioId);
  const path = TOKEN_PATHS[kind];
  return {
    kind,
    from: `${namespace}/${sleepPod}:${path}`,
    read: async (kube) => {
      const pod = await kube.readPod(namespace, sleepPod!);
      if (!pod) return { missing: `pod ${namespace}/${sleepPod} is not deployed` };
      if (pod.status?.phase !== 'Running') return { missing: `pod ${namespace}/${sleepPod} is ${pod.status?.phase ?? 'unknown'}` };
      const result = await kube.exec(namespace, sleepPod!, pod.spec?.containers?.[0]?.name ?? 'aws-cli', ['cat', path], 30000);
      const token = result.stdout.trim();
      if (result.exitCode !== 0 || token === '')
        return { missing: result.stderr.trim().split('\n')[0] || `cat exited ${result.exitCode ?? '?'}` };
      return token;
    },
  };
}

const LEGACY_SOURCE: TokenSource = {
  kind: TokenKind.LEGACY,
  from: `Secret ${LEGACY_SECRET.namespace}/${LEGACY_SECRET.name}`,
  read: async (kube) => {
    const secret = await kube.readSecret(LEGACY_SECRET.namespace, LEGACY_SECRET.name);
    if (!secret) return { missing: 'the Secret does not exist' };
    const encoded = secret.data?.token;
    // The token controller fills the Secret a moment after it is created.
    if (!encoded) return { missing: 'the Secret has no token yet: the token controller has not filled it' };
    return Buffer.from(encoded, 'base64').toString('utf8');
  },
};

/** The tokens to read for a scenario, or for the whole lab. */
export function tokenSources(id?: ScenarioId): TokenSource[] {
  switch (id) {
    case undefined:
      return [
        LEGACY_SOURCE,
        fileIn(ScenarioId.NODE_ROLE, TokenKind.PROJECTED),
        fileIn(ScenarioId.IRSA, TokenKind.IRSA),
        fileIn(ScenarioId.POD_IDENTITY, TokenKind.POD_IDENTITY),
      ];
    case ScenarioId.NODE_ROLE:
      return [LEGACY_SOURCE, fileIn(id, TokenKind.PROJECTED)];
    case ScenarioId.IRSA:
      return [fileIn(id, TokenKind.PROJECTED), fileIn(id, TokenKind.IRSA)];
    case ScenarioId.POD_IDENTITY:
      return [fileIn(id, TokenKind.PROJECTED), fileIn(id, TokenKind.POD_IDENTITY)];
    case ScenarioId.SECRET_INJECTED:
      return [fileIn(id, TokenKind.PROJECTED)];
    case ScenarioId.PRECEDENCE:
      // Both modes are configured; which token files exist shows which one the webhook chose.
      return [fileIn(id, TokenKind.PROJECTED), fileIn(id, TokenKind.IRSA), fileIn(id, TokenKind.POD_IDENTITY)];
    case ScenarioId.BYSTANDER:
      throw new LabError(
        'The bystander scenario has no sleep pod to read a token from; its pod gets the same kind of token as node-role. Try `npm run lab -- token node-role`.',
      );
    case ScenarioId.OLD_SDK:
      throw new LabError(
        'The old-sdk scenario has no sleep pod to read a token from; its pod gets the same tokens as pod-identity. Try `npm run lab -- token pod-identity`.',
      );
    case ScenarioId.ABAC_TEAM_A:
    case ScenarioId.ABAC_TEAM_B:
    case ScenarioId.ROLE_CHAINING:
    case ScenarioId.SESSION_POLICY:
      throw new LabError(
        `The ${id} pods all run once and end, so none is left to read a token from; they get the same Pod Identity token as pod-identity. Try \`npm run lab -- token pod-identity\`.`,
      );
  }
}

/** What a ✓ from `verifyAsSts` proves, and what it leaves to `lab doctor`. */
export const STS_CHECK_SCOPE =
  'STS accepts it? ✓ means: the signature matches a key the issuer publishes, and iss, aud, exp and sub are what the IRSA role expects. It does not prove that IAM has an OIDC provider for the issuer, nor that the role in AWS trusts this sub: `npm run lab -- doctor` checks both.';

/**
 * Checks a web identity token as STS does: the issuer's discovery document
 * names its JWKS, whose key must verify the signature; the audience must be
 * sts.amazonaws.com, and the subject the one the role's trust names.
 */
export async function verifyAsSts(
  token: string,
  issuer: string,
  fetchFn: typeof fetch,
  expectedSub?: string,
): Promise<{ ok: boolean; detail: string }> {
  const discoveryUrl = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  let jwksUri: string;
  try {
    const response = await fetchFn(discoveryUrl, { signal: AbortSignal.timeout(10000) });
    if (!response.ok) return { ok: false, detail: `${discoveryUrl} answered ${response.status}` };
    const discovery = (await response.json()) as { jwks_uri?: string; issuer?: string };
    if (!discovery.jwks_uri) return { ok: false, detail: `${discoveryUrl} names no jwks_uri` };
    jwksUri = discovery.jwks_uri;
  } catch (err) {
    return { ok: false, detail: `cannot read ${discoveryUrl}: ${firstLine(err)}` };
  }
  try {
    const keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 10000 });
    await jwtVerify(token, keys, { issuer, audience: STS_AUDIENCE, subject: expectedSub });
    return {
      ok: true,
      detail: `signature verified with ${jwksUri}; audience ${STS_AUDIENCE}${expectedSub ? `; sub ${expectedSub}, as the role's trust requires` : ''}`,
    };
  } catch (err) {
    return { ok: false, detail: `not accepted: ${firstLine(err)} (keys from ${jwksUri})` };
  }
}

/** `lab token`: decodes the tokens the pods see, side by side, and verifies the IRSA one as STS would. */
export async function runToken(options: TokenOptions, deps: TokenDeps): Promise<ExitCode> {
  const { kube, out } = deps;
  const progress = out.progress('Reading tokens');
  const reports: TokenReport[] = [];
  for (const source of tokenSources(options.scenario)) {
    const read = await source.read(kube);
    if (typeof read !== 'string') {
      reports.push({ kind: source.kind, from: source.from, missing: read.missing });
      continue;
    }
    let claims: TokenClaims;
    try {
      claims = decodeClaims(read);
    } catch (err) {
      reports.push({ kind: source.kind, from: source.from, missing: `not a JWT (${firstLine(err)})` });
      continue;
    }
    reports.push({ kind: source.kind, from: source.from, claims, forSts: await forSts(source.kind, read, claims, deps.fetch) });
  }
  progress.stop();

  const irsa = reports.find((r) => r.kind === TokenKind.IRSA && r.claims);
  const failed = reports.every((r) => !r.claims) || (irsa !== undefined && !irsa.forSts?.ok);
  out.result({ tokens: reports, ok: !failed });
  printTokens(out, reports);
  if (reports.every((r) => !r.claims)) out.say(`${mark(false)} No token could be read.`);
  return failed ? ExitCode.CHECK_FAILED : ExitCode.OK;
}

async function forSts(
  kind: TokenKind,
  token: string,
  claims: TokenClaims,
  fetchFn: typeof fetch,
): Promise<{ ok: boolean; detail: string }> {
  if (kind === TokenKind.LEGACY) return { ok: false, detail: 'no: only the API server can verify it, and it never expires' };
  if (kind === TokenKind.POD_IDENTITY)
    return { ok: false, detail: `not for STS: the node agent trades it with EKS Auth (audience ${claims.aud?.join(', ') ?? 'none'})` };
  if (!claims.aud?.includes(STS_AUDIENCE))
    return { ok: false, detail: `no: audience ${claims.aud?.join(', ') ?? 'none'}, not ${STS_AUDIENCE}` };
  if (!claims.iss) return { ok: false, detail: 'no: the token names no issuer' };
  const irsa = scenarioById(ScenarioId.IRSA);
  return verifyAsSts(token, claims.iss, fetchFn, `system:serviceaccount:${irsa.namespace}:${irsa.serviceAccount}`);
}

function printTokens(out: Output, reports: TokenReport[]): void {
  const row = (label: string, cell: (r: TokenReport) => string | undefined) => [
    label,
    ...reports.map((r) => (r.claims ? (cell(r) ?? '-') : '-')),
  ];
  out.say('Token header and claims (the tokens themselves are credentials and are never printed):');
  out.table(
    ['', ...reports.map((r) => r.kind)],
    [
      row('alg / kid', (r) => `${r.claims!.alg ?? '-'} / ${r.claims!.kid ?? '-'}`),
      row('iss', (r) => r.claims!.iss),
      row('sub', (r) => r.claims!.sub),
      row('aud', (r) => r.claims!.aud?.join('\n')),
      row('iat', (r) => r.claims!.iat),
      row('exp', (r) => r.claims!.exp ?? 'never'),
      row('lifetime (exp - iat)', (r) => describeLifetime(r.claims!.lifetimeSeconds)),
      row('warnafter', (r) =>
        r.claims!.warnAfter ? `${r.claims!.warnAfter}\n${describeLifetime(r.claims!.warnAfterSeconds)}` : undefined,
      ),
      row('STS accepts it?', (r) => r.forSts && `${mark(r.forSts.ok)} ${r.forSts.ok ? 'yes' : 'no'}`),
    ],
  );
  for (const report of reports) {
    if (report.missing) out.say(`- ${report.kind}: not read, ${report.missing}.`);
    else out.say(`${report.forSts ? mark(report.forSts.ok) : '-'} ${report.kind} (${report.from}): ${report.forSts?.detail ?? ''}`);
  }
  const extended = reports.find((r) => r.claims?.warnAfterSeconds !== undefined);
  if (extended) {
    out.say(
      `${extended.kind}: the kubelet asked for ${describeLifetime(extended.claims!.warnAfterSeconds)}; the API server extended exp to ${describeLifetime(extended.claims!.lifetimeSeconds)} and marked the hour in kubernetes.io.warnafter. The kubelet still refreshes the file before warnafter; a client that keeps an older token is logged as using a stale token.`,
    );
  }
  const podIdentity = reports.find((r) => r.kind === TokenKind.POD_IDENTITY && r.claims?.lifetimeSeconds !== undefined);
  if (podIdentity) out.say(podIdentityLifetimeNote(podIdentity.claims!.lifetimeSeconds!));
  if (reports.some((r) => r.kind === TokenKind.IRSA && r.forSts?.ok)) out.say(STS_CHECK_SCOPE);
}

/** What is known, and what is not, about the Pod Identity token's lifetime. */
function podIdentityLifetimeNote(seconds: number): string {
  const { minSeconds, maxSeconds } = POD_IDENTITY_DEFAULT_LIFETIME;
  const verdict =
    seconds >= minSeconds && seconds <= maxSeconds
      ? 'this one is within that range'
      : 'this one is outside it, so an eks.amazonaws.com/token-expiration annotation set it';
  return `${TokenKind.POD_IDENTITY}: ${describeLifetime(seconds)}. The webhook asks for ${maxSeconds} s by default; since its PR #260 (March 2025) it picks each pod's lifetime at random between ${minSeconds} and ${maxSeconds} s. Which webhook build EKS runs is not public; ${verdict}.`;
}

import { generateKeyPair } from 'jose';
import { ExitCode } from '../../lib/cli/errors';
import { TOKEN_PATHS, TokenKind, runToken } from '../../lib/cli/commands/token';
import { LEGACY_TOKEN_SECRET } from '../../lib/app/node-role-stack';
import { ScenarioId } from '../../lib/scenarios';
import { FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal } from './support/output';

/** A sleep pod that answers `cat <path>` with the given files. */
function sleepPod(cluster: FakeCluster, namespace: string, name: string, files: Record<string, string>) {
  cluster.addPod({
    object: podObject({ namespace, name, phase: 'Running', command: ['sleep', 'infinity'] }),
    exec: (command) => {
      const content = command[0] === 'cat' ? files[command[1]] : undefined;
      return content === undefined
        ? { stderr: `cat: ${command[1]}: No such file or directory\n`, exitCode: 1 }
        : { stdout: content, exitCode: 0 };
    },
  });
}

/**
 * The default projected token as EKS 1.35 issues it: the kubelet asks for 3607 s, the API server
 * extends exp to 90 days and keeps the hour in kubernetes.io.warnafter; jti and the node come
 * with ServiceAccountTokenJTI and ServiceAccountTokenPodNodeInfo, on by default since 1.30.
 */
async function eksProjectedToken(cluster: FakeCluster): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return cluster.sign(
    {
      sub: 'system:serviceaccount:node-role:default',
      aud: ['https://kubernetes.default.svc'],
      jti: '5f0c7c39-3d2b-4d0e-9b52-3f5e0d8a7c11',
      nbf: iat,
      'kubernetes.io': {
        namespace: 'node-role',
        node: { name: 'ip-10-0-3-17.us-east-2.compute.internal', uid: '0d6c3f47-6e7b-4d5a-9a51-8f2f0b1f4e21' },
        pod: { name: 'eks-iam-test2', uid: '6f1c2a55-8a1e-4b7e-9d55-2f0d3c1b9a10' },
        serviceaccount: { name: 'default', uid: '3b8f1f0e-2a1d-4a43-8c6e-0f2d7e9b1c55' },
        warnafter: iat + 3607,
      },
    },
    { lifetimeSeconds: 90 * 86400 },
  );
}

describe('lab token', () => {
  let cluster: FakeCluster;
  const tokens: string[] = [];

  async function deployLab(irsaToken?: string): Promise<void> {
    const legacy = await cluster.sign(
      {
        sub: 'system:serviceaccount:node-role:default',
        'kubernetes.io/serviceaccount/namespace': 'node-role',
        'kubernetes.io/serviceaccount/secret.name': LEGACY_TOKEN_SECRET,
      },
      { issuer: 'kubernetes/serviceaccount', legacy: true },
    );
    const projected = await eksProjectedToken(cluster);
    const irsa =
      irsaToken ??
      (await cluster.sign({ sub: 'system:serviceaccount:irsa:eks-iam-test', aud: ['sts.amazonaws.com'] }, { lifetimeSeconds: 86400 }));
    const podIdentity = await cluster.sign(
      { sub: 'system:serviceaccount:pod-identity:eks-iam-test', aud: ['pods.eks.amazonaws.com'] },
      { lifetimeSeconds: 86400 },
    );
    tokens.push(legacy, projected, irsa, podIdentity);
    cluster.secrets.set(`node-role/${LEGACY_TOKEN_SECRET}`, {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: LEGACY_TOKEN_SECRET, namespace: 'node-role', annotations: { 'kubernetes.io/service-account.name': 'default' } },
      type: 'kubernetes.io/service-account-token',
      data: { token: Buffer.from(legacy).toString('base64'), namespace: Buffer.from('node-role').toString('base64') },
    });
    sleepPod(cluster, 'node-role', 'eks-iam-test2', { [TOKEN_PATHS[TokenKind.PROJECTED]]: projected });
    sleepPod(cluster, 'irsa', 'eks-iam-test4', { [TOKEN_PATHS[TokenKind.PROJECTED]]: projected, [TOKEN_PATHS[TokenKind.IRSA]]: irsa });
    sleepPod(cluster, 'pod-identity', 'eks-iam-test8', { [TOKEN_PATHS[TokenKind.POD_IDENTITY]]: podIdentity });
  }

  beforeEach(async () => {
    cluster = await new FakeCluster().start();
    tokens.length = 0;
  });
  afterEach(() => cluster.stop());

  test('GIVEN the four kinds of token WHEN decoded THEN it shows their claims side by side and verifies the IRSA one with the JWKS', async () => {
    // GIVEN
    await deployLab();
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runToken({}, { kube: cluster.client(), out: terminal.output(), fetch });

    // THEN
    expect(code).toBe(ExitCode.OK);
    const text = terminal.text;
    expect(text).toMatch(/│\s+│ legacy Secret\s+│ projected \(default\)\s+│ IRSA\s+│ Pod Identity\s+│/);
    expect(text).toMatch(/│ iss\s+│ kubernetes\/serviceaccount\s+│ http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toMatch(/│ exp\s+│ never\s+│ 20\d\d-/);
    expect(text).toMatch(
      /│ lifetime \(exp - iat\)\s+│ never\s+│ 7776000 s \(90d 0h 0m 0s\)\s+│ 86400 s \(24h 0m 0s\)\s+│ 86400 s \(24h 0m 0s\)\s+│/,
    );
    // warnafter marks the hour the kubelet asked for; only the extended token has one.
    expect(text).toMatch(/│ warnafter\s+│ -\s+│ 20\d\d-\S+Z\s+│ -\s+│ -\s+│\n│\s+│\s+│ 3607 s \(1h 0m 7s\)/);
    expect(text).toContain(
      'projected (default): the kubelet asked for 3607 s (1h 0m 7s); the API server extended exp to 7776000 s (90d 0h 0m 0s)',
    );
    expect(text).toContain('sts.amazonaws.com');
    expect(text).toContain(
      `✓ IRSA (irsa/eks-iam-test4:${TOKEN_PATHS[TokenKind.IRSA]}): signature verified with ${cluster.url}/openid/v1/jwks`,
    );
    expect(text).toMatch(/│ STS accepts it\?\s+│ ✗ no\s+│ ✗ no\s+│ ✓ yes\s+│ ✗ no\s+│/);
    // What the ✓ does not prove is said next to it.
    expect(text).toContain('It does not prove that IAM has an OIDC provider for the issuer, nor that the role in AWS trusts this sub');
    // STS's own path: discovery document, then the JWKS it names.
    expect(cluster.requests).toEqual(expect.arrayContaining(['GET /.well-known/openid-configuration', 'GET /openid/v1/jwks']));
  });

  test('never prints a token or its signature', async () => {
    await deployLab();
    const human = new CapturedTerminal();
    const json = new CapturedTerminal();
    await runToken({}, { kube: cluster.client(), out: human.output(), fetch });
    await runToken({}, { kube: cluster.client(), out: json.output(true), fetch });
    expect(tokens).toHaveLength(4);
    for (const token of tokens) {
      const signature = token.split('.')[2];
      for (const printed of [human.text, human.errors, json.text]) {
        expect(printed).not.toContain(token);
        expect(printed).not.toContain(signature);
      }
    }
  });

  test('fails when the IRSA token was signed by a key the issuer does not publish', async () => {
    // GIVEN
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await cluster.sign(
      { sub: 'system:serviceaccount:irsa:eks-iam-test', aud: ['sts.amazonaws.com'] },
      { lifetimeSeconds: 86400, key: privateKey },
    );
    await deployLab(forged);
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runToken({ scenario: ScenarioId.IRSA }, { kube: cluster.client(), out: terminal.output(true), fetch });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const irsa = terminal.json().tokens.find((t: { kind: string }) => t.kind === TokenKind.IRSA);
    expect(irsa.forSts).toEqual({ ok: false, detail: expect.stringMatching(/^not accepted: signature verification failed/) });
  });

  test('fails when the IRSA token has the wrong audience', async () => {
    await deployLab(
      await cluster.sign({ sub: 'system:serviceaccount:irsa:eks-iam-test', aud: ['sts.amazon.com'] }, { lifetimeSeconds: 86400 }),
    );
    const terminal = new CapturedTerminal();
    const code = await runToken({ scenario: ScenarioId.IRSA }, { kube: cluster.client(), out: terminal.output(), fetch });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain(
      '✗ IRSA (irsa/eks-iam-test4:/var/run/secrets/eks.amazonaws.com/serviceaccount/token): no: audience sts.amazon.com, not sts.amazonaws.com',
    );
  });

  test('fails when the IRSA token names another service account than the role trusts', async () => {
    await deployLab(
      await cluster.sign({ sub: 'system:serviceaccount:irsa:default', aud: ['sts.amazonaws.com'] }, { lifetimeSeconds: 86400 }),
    );
    const terminal = new CapturedTerminal();
    const code = await runToken({ scenario: ScenarioId.IRSA }, { kube: cluster.client(), out: terminal.output(), fetch });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toMatch(/✗ IRSA .*not accepted: unexpected "sub" claim value/);
  });

  test.each([
    ['answers 503', { status: 503, body: { message: 'unavailable' } }, /answered 503$/],
    ['names no jwks_uri', { status: 200, body: { issuer: 'x' } }, /names no jwks_uri$/],
  ])('fails when the discovery document %s', async (_name, discovery, detail) => {
    await deployLab();
    cluster.discovery = discovery;
    const terminal = new CapturedTerminal();
    const code = await runToken({ scenario: ScenarioId.IRSA }, { kube: cluster.client(), out: terminal.output(true), fetch });
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const irsa = terminal.json().tokens.find((t: { kind: string }) => t.kind === TokenKind.IRSA);
    expect(irsa.forSts).toEqual({ ok: false, detail: expect.stringMatching(detail) });
  });

  test('says why a token could not be read, e.g. an IRSA pod the webhook never mutated', async () => {
    // GIVEN: no IRSA token file in the pod
    const projected = await cluster.sign(
      { sub: 'system:serviceaccount:irsa:eks-iam-test', aud: ['https://kubernetes.default.svc'] },
      { lifetimeSeconds: 3607 },
    );
    sleepPod(cluster, 'irsa', 'eks-iam-test4', { [TOKEN_PATHS[TokenKind.PROJECTED]]: projected });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runToken({ scenario: ScenarioId.IRSA }, { kube: cluster.client(), out: terminal.output(), fetch });

    // THEN: the projected token was read, so the command still succeeds
    expect(code).toBe(ExitCode.OK);
    expect(terminal.text).toContain(`- IRSA: not read, cat: ${TOKEN_PATHS[TokenKind.IRSA]}: No such file or directory.`);
  });

  test('GIVEN IRSA and Pod Identity on one service account THEN it shows the pod got the Pod Identity token and no IRSA token', async () => {
    // GIVEN the webhook gave eks-iam-test11 container credentials only
    const projected = await cluster.sign(
      { sub: 'system:serviceaccount:precedence:eks-iam-test', aud: ['https://kubernetes.default.svc'] },
      { lifetimeSeconds: 3607 },
    );
    const podIdentity = await cluster.sign(
      { sub: 'system:serviceaccount:precedence:eks-iam-test', aud: ['pods.eks.amazonaws.com'] },
      { lifetimeSeconds: 86400 },
    );
    sleepPod(cluster, 'precedence', 'eks-iam-test11', {
      [TOKEN_PATHS[TokenKind.PROJECTED]]: projected,
      [TOKEN_PATHS[TokenKind.POD_IDENTITY]]: podIdentity,
    });
    const terminal = new CapturedTerminal();
    // WHEN
    const code = await runToken({ scenario: ScenarioId.PRECEDENCE }, { kube: cluster.client(), out: terminal.output(true), fetch });
    // THEN
    expect(code).toBe(ExitCode.OK);
    const tokens = terminal.json().tokens as { kind: string; missing?: string; claims?: { aud?: string[] } }[];
    expect(tokens.map((t) => [t.kind, t.missing === undefined])).toEqual([
      [TokenKind.PROJECTED, true],
      [TokenKind.IRSA, false],
      [TokenKind.POD_IDENTITY, true],
    ]);
    expect(tokens[1].missing).toContain('No such file or directory');
  });

  test.each([
    [81_734, '81734 s (22h 42m 14s)', 'this one is within that range'],
    [86_400, '86400 s (24h 0m 0s)', 'this one is within that range'],
    [3_600, '3600 s (1h 0m 0s)', 'this one is outside it, so an eks.amazonaws.com/token-expiration annotation set it'],
  ])(
    'GIVEN a Pod Identity token of %i s THEN it says what is known of its lifetime, and what is not',
    async (lifetimeSeconds, shown, verdict) => {
      // GIVEN
      const podIdentity = await cluster.sign(
        { sub: 'system:serviceaccount:pod-identity:eks-iam-test', aud: ['pods.eks.amazonaws.com'] },
        { lifetimeSeconds },
      );
      sleepPod(cluster, 'pod-identity', 'eks-iam-test8', { [TOKEN_PATHS[TokenKind.POD_IDENTITY]]: podIdentity });
      const terminal = new CapturedTerminal();
      // WHEN
      await runToken({ scenario: ScenarioId.POD_IDENTITY }, { kube: cluster.client(), out: terminal.output(), fetch });
      // THEN
      expect(terminal.text).toContain(
        `Pod Identity: ${shown}. The webhook asks for 86400 s by default; since its PR #260 (March 2025) it picks each pod's lifetime at random between 79200 and 86400 s. Which webhook build EKS runs is not public; ${verdict}.`,
      );
    },
  );

  test('fails for the bystander, which has no sleep pod', async () => {
    await expect(
      runToken({ scenario: ScenarioId.BYSTANDER }, { kube: cluster.client(), out: new CapturedTerminal().output(), fetch }),
    ).rejects.toThrow(/bystander scenario has no sleep pod/);
  });
});

import { KubeConfig } from '@kubernetes/client-node';
import { ExitCode } from '../../lib/cli/errors';
import { LabKube } from '../../lib/cli/kube';
import { CALLER_IDENTITY_COMMAND, runVerify } from '../../lib/cli/commands/verify';
import { ImdsMode } from '../../lib/lab-config';
import { CallerKind, LabToggles, OLD_SDK_POD_IDENTITY_ERROR, ScenarioId, expectedOutcome, scenario } from '../../lib/scenarios';
import { togglesAssembly } from './support/assembly';
import { ExecReply, FakeCluster, FakePod, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';

const ACCOUNT = '123456789012';
const ARNS: Record<CallerKind, string | undefined> = {
  [CallerKind.NODE_ROLE]: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890`,
  [CallerKind.IAM_USER]: `arn:aws:iam::${ACCOUNT}:user/eks-oidc-demo-secret-injected-StaticKeyUser46BD958E-K9L8M7N6`,
  [CallerKind.WEB_IDENTITY_ROLE]: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456/botocore-session-1764158400`,
  [CallerKind.POD_IDENTITY_ROLE]: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-pod-identity-S3ListRole-AbCd/eks-eks-oidc-de-eks-iam-te-3c3e1a02-1c2b-4c4e-9f3c-1a2b3c4d5e6f`,
  [CallerKind.TARGET_ROLE]: `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-chain-target/eks-eks-oidc-de-eks-iam-ch-6f1d`,
  [CallerKind.NONE]: undefined,
};
const DEFAULTS: LabToggles = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };
/** What the AWS CLI prints on stderr, as `aws s3 ls` in the pods does: "\n<message>\n". */
const LOGS = {
  /**
   * S3's refusal as it reads today for a caller in the bucket owner's account: who, and why (S3 user
   * guide, troubleshoot-403-errors: "User: user-arn is not authorized to perform action … because
   * context").
   */
  accessDenied: `\nAn error occurred (AccessDenied) when calling the ListBuckets operation: User: ${ARNS[CallerKind.NODE_ROLE]} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action\n`,
  /** The older short form, as the post "Diving into IAM Roles for Service Accounts" shows it. */
  accessDeniedInThePost: '\nAn error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n',
  /** The AWS CLI's line when no provider found credentials (aws/aws-cli, tests/unit/test_clidriver.py). */
  noCredentials: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
  buckets: '2026-11-20 09:12:44 eks-oidc-demo-example-bucket\n',
  oldSdk: `\n${OLD_SDK_POD_IDENTITY_ERROR}\n`,
};

/**
 * `aws sts get-caller-identity` in a sleep pod, as the given kind of caller: the UserId, Account and
 * Arn the AWS CLI prints (AWS CLI reference, sts get-caller-identity, example output). The values
 * are the lab's dummy ones; no pod's real output is copied.
 */
function callerIs(kind: CallerKind): (command: string[]) => ExecReply {
  const arn = ARNS[kind];
  return () =>
    arn
      ? { stdout: JSON.stringify({ UserId: 'AROAEXAMPLE:session', Account: ACCOUNT, Arn: arn }, null, 4), exitCode: 0 }
      : { stderr: LOGS.noCredentials, exitCode: 253 };
}

/** One scenario's pods as they look when everything behaves as the table says. */
interface ScenarioFixture {
  s3Ls: { phase: string; exitCode: number; log: string; logError?: FakePod['logError'] };
  exec: FakePod['exec'];
}

function passing(id: ScenarioId, toggles: LabToggles = DEFAULTS): ScenarioFixture {
  const expected = expectedOutcome(id, toggles);
  const log = expected.logSignature?.includes('AccessDenied')
    ? LOGS.accessDenied
    : expected.logSignature === OLD_SDK_POD_IDENTITY_ERROR
      ? LOGS.oldSdk
      : expected.logSignature
        ? LOGS.noCredentials
        : LOGS.buckets;
  return { s3Ls: { phase: expected.phase, exitCode: expected.exitCode, log }, exec: callerIs(expected.caller) };
}

function deploy(cluster: FakeCluster, id: ScenarioId, fixture: ScenarioFixture): void {
  const s = scenario(id);
  cluster.addPod({
    object: podObject({
      namespace: s.namespace,
      name: s.s3LsPod,
      phase: fixture.s3Ls.phase,
      exitCode: fixture.s3Ls.exitCode,
      serviceAccount: s.serviceAccount,
    }),
    log: fixture.s3Ls.log,
    logError: fixture.s3Ls.logError,
  });
  if (s.sleepPod)
    cluster.addPod({
      object: podObject({ namespace: s.namespace, name: s.sleepPod, phase: 'Running', command: ['sleep', 'infinity'] }),
      exec: fixture.exec,
    });
}

describe('lab verify', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  async function verify(scenarios: ScenarioId[] | undefined, toggles: LabToggles = DEFAULTS, kube = cluster.client()) {
    const json = new CapturedTerminal();
    const code = await runVerify(
      { assembly: togglesAssembly(toggles), scenarios, pollSeconds: 1, timeoutSeconds: 5 },
      { kube, out: json.output(true), clock: fakeClock() },
    );
    return { code, verdicts: json.json().scenarios as any[] };
  }

  // The passing fixture of every scenario, under every toggle value: each must pass, or the cases below prove nothing.
  test.each(
    [
      DEFAULTS,
      { imds: ImdsMode.OPEN, nodeRoleS3Access: true },
      { imds: ImdsMode.LOCKED, nodeRoleS3Access: false },
      { imds: ImdsMode.LEAKY, nodeRoleS3Access: false },
    ].flatMap((toggles) =>
      // Scenarios with probes are verified pod by pod in verify-probes.test.ts.
      Object.values(ScenarioId)
        .filter((id) => !scenario(id).probes)
        .map((id) => [id, JSON.stringify(toggles), toggles] as const),
    ),
  )('GIVEN %s behaving as the table says under %s THEN it passes', async (id, _label, toggles) => {
    deploy(cluster, id, passing(id, toggles));
    const { code, verdicts } = await verify([id], toggles);
    expect(verdicts[0].reasons).toEqual([]);
    expect(code).toBe(ExitCode.OK);
  });

  test.each([
    ['the line of today, with the caller and the reason', LOGS.accessDenied],
    ["the post's older short form", LOGS.accessDeniedInThePost],
  ])("GIVEN S3's refusal in %s THEN node-role's log check passes", async (_form, log) => {
    const fixture = passing(ScenarioId.NODE_ROLE);
    fixture.s3Ls.log = log;
    deploy(cluster, ScenarioId.NODE_ROLE, fixture);
    const { code, verdicts } = await verify([ScenarioId.NODE_ROLE], DEFAULTS);
    expect(verdicts[0].checks.log).toBe(true);
    expect(code).toBe(ExitCode.OK);
  });

  /** Each case changes one thing of a passing fixture; the verdict must fail for that reason alone. */
  const ONE_THING_CHANGED: ReadonlyArray<{
    readonly name: string;
    readonly id: ScenarioId;
    readonly change: (fixture: ScenarioFixture) => void;
    readonly check: 'phase' | 'exitCode' | 'log' | 'caller';
    readonly reason: RegExp;
  }> = [
    {
      name: 'the s3 ls pod succeeded where the node role must be denied',
      id: ScenarioId.NODE_ROLE,
      change: (f) => (f.s3Ls.phase = 'Succeeded'),
      check: 'phase',
      reason: /^phase: expected Failed, saw Succeeded$/,
    },
    {
      name: 'the AWS CLI exited with another code than a service error',
      id: ScenarioId.NODE_ROLE,
      change: (f) => (f.s3Ls.exitCode = 253),
      check: 'exitCode',
      reason: /^exit code: expected 254, saw 253$/,
    },
    {
      name: 'the log lacks the AccessDenied line',
      id: ScenarioId.NODE_ROLE,
      change: (f) => (f.s3Ls.log = '\nCould not connect to the endpoint URL: "https://s3.amazonaws.com/"\n'),
      check: 'log',
      reason: /^log: expected a line with "An error occurred \(AccessDenied\).*", saw "Could not connect to the endpoint URL/,
    },
    {
      name: 'the caller is a web identity role where the node role is expected',
      id: ScenarioId.NODE_ROLE,
      change: (f) => (f.exec = callerIs(CallerKind.WEB_IDENTITY_ROLE)),
      check: 'caller',
      reason: /^caller: expected node-role, saw web-identity-role \(arn:aws:sts::\d+:assumed-role\/eks-oidc-demo-irsa/,
    },
    {
      name: 'an IRSA pod the webhook never mutated: its caller is the node role',
      id: ScenarioId.IRSA,
      change: (f) => (f.exec = callerIs(CallerKind.NODE_ROLE)),
      check: 'caller',
      reason: /^caller: expected web-identity-role, saw node-role .*the webhook never mutated the pod/,
    },
    {
      name: 'a Pod Identity pod whose caller is the node role',
      id: ScenarioId.POD_IDENTITY,
      change: (f) => (f.exec = callerIs(CallerKind.NODE_ROLE)),
      check: 'caller',
      reason: /^caller: expected pod-identity-role, saw node-role .*created before its association took effect/,
    },
    {
      name: 'the static keys stopped working',
      id: ScenarioId.SECRET_INJECTED,
      change: (f) => (f.exec = callerIs(CallerKind.NONE)),
      check: 'caller',
      reason: /^caller: expected iam-user, saw none/,
    },
    {
      name: 'the exec channel is refused (the websocket handshake answers 403)',
      id: ScenarioId.IRSA,
      change: (f) => (f.exec = () => 403),
      check: 'caller',
      reason: /^caller: expected web-identity-role, saw exec failed: The cluster refused the exec channel .*HTTP 403/,
    },
    {
      name: 'the log cannot be read (the API answers 500)',
      id: ScenarioId.IRSA,
      change: (f) => (f.s3Ls.logError = { status: 500, message: 'etcdserver: request timed out' }),
      check: 'log',
      reason: /^log: could not be read \(The Kubernetes API answered 500 .*etcdserver: request timed out/,
    },
  ];

  test.each(ONE_THING_CHANGED.map((c) => [c.name, c] as const))('fails when %s, for that reason alone', async (_name, c) => {
    // GIVEN
    const fixture = passing(c.id);
    c.change(fixture);
    deploy(cluster, c.id, fixture);

    // WHEN
    const { code, verdicts } = await verify([c.id]);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const [verdict] = verdicts;
    const failed = Object.entries(verdict.checks)
      .filter(([, ok]) => ok === false)
      .map(([name]) => name);
    expect(failed).toEqual([c.check]);
    expect(verdict.reasons).toEqual([expect.stringMatching(c.reason)]);
  });

  test('names the reason in the human output too', async () => {
    const fixture = passing(ScenarioId.IRSA);
    fixture.exec = callerIs(CallerKind.NODE_ROLE);
    deploy(cluster, ScenarioId.IRSA, fixture);
    const terminal = new CapturedTerminal();

    const code = await runVerify(
      { assembly: togglesAssembly(DEFAULTS), scenarios: [ScenarioId.IRSA], pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toMatch(/✗ irsa: .*\n {4}caller: expected web-identity-role, saw node-role/);
  });

  test('fails when the exec never finishes, after its timeout, and says so', async () => {
    const fixture = passing(ScenarioId.NODE_ROLE);
    fixture.exec = () => 'hang';
    deploy(cluster, ScenarioId.NODE_ROLE, fixture);
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cluster.writeKubeconfig());

    const { code, verdicts } = await verify([ScenarioId.NODE_ROLE], DEFAULTS, new LabKube(kubeConfig, { execTimeoutMs: 200 }));

    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(verdicts[0].reasons).toEqual([
      expect.stringMatching(
        /^caller: expected node-role, saw exec failed: `aws sts get-caller-identity --output json` in node-role\/eks-iam-test2 did not finish within 0.2s/,
      ),
    ]);
  });

  test('fails when a scenario asked for by name is not deployed, and names it', async () => {
    deploy(cluster, ScenarioId.IRSA, passing(ScenarioId.IRSA));
    const terminal = new CapturedTerminal();

    const code = await runVerify(
      { assembly: togglesAssembly(DEFAULTS), scenarios: [ScenarioId.IRSA, ScenarioId.POD_IDENTITY], pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain('✓ irsa:');
    expect(terminal.text).toContain('✗ pod-identity: not deployed.');
    expect(terminal.text).toContain(
      'not deployed: no pod pod-identity/eks-iam-test7; deploy eks-oidc-demo-pod-identity or leave pod-identity out',
    );
  });

  test('GIVEN no scenario named WHEN one is not deployed THEN it is skipped, not failed', async () => {
    deploy(cluster, ScenarioId.IRSA, passing(ScenarioId.IRSA));
    const { code, verdicts } = await verify(undefined);
    expect(code).toBe(ExitCode.OK);
    expect(verdicts.filter((v) => v.deployed).map((v) => v.scenario)).toEqual([ScenarioId.IRSA]);
  });

  test('asks the caller identity from inside the sleep pod, and shows the log lines and ARN', async () => {
    deploy(cluster, ScenarioId.NODE_ROLE, passing(ScenarioId.NODE_ROLE));
    const terminal = new CapturedTerminal();

    await runVerify(
      { assembly: togglesAssembly(DEFAULTS), pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    const exec = cluster.requests.find((request) => request.startsWith('EXEC /api/v1/namespaces/node-role/pods/eks-iam-test2/exec?'));
    expect(exec).toContain(CALLER_IDENTITY_COMMAND.map((part) => `command=${part}`).join('&'));
    expect(terminal.text).toContain('eks-iam-test1: Failed, exit code 254');
    expect(terminal.text).toContain(
      '| An error occurred (AccessDenied) when calling the ListBuckets operation: User: arn:aws:sts::123456789012:assumed-role/',
    );
    expect(terminal.text).toContain(`caller ${ARNS[CallerKind.NODE_ROLE]} -> node-role`);
  });

  test('GIVEN a pod still running WHEN it finishes later THEN verify waits for it with a visible progress line', async () => {
    const fixture = passing(ScenarioId.IRSA);
    deploy(cluster, ScenarioId.IRSA, { ...fixture, s3Ls: { ...fixture.s3Ls, phase: 'Running' } });
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      cluster.pods.get('irsa/eks-iam-test3')!.object = podObject({
        namespace: 'irsa',
        name: 'eks-iam-test3',
        phase: 'Succeeded',
        exitCode: 0,
        serviceAccount: 'eks-iam-test',
      });
    };
    const terminal = new CapturedTerminal();

    const code = await runVerify(
      { assembly: togglesAssembly(DEFAULTS), scenarios: [ScenarioId.IRSA], pollSeconds: 2 },
      { kube: cluster.client(), out: terminal.output(), clock },
    );

    expect(code).toBe(ExitCode.OK);
    expect(clock.sleeps).toEqual([2000]);
    expect(terminal.errors).toContain('Waiting for the s3 ls pods of irsa to finish');
    expect(terminal.errors).toContain('All 1 s3 ls pod(s) finished.');
  });

  test('fails after the timeout when a pod never finishes, and says which', async () => {
    const fixture = passing(ScenarioId.IRSA);
    deploy(cluster, ScenarioId.IRSA, { ...fixture, s3Ls: { ...fixture.s3Ls, phase: 'Pending' } });
    const terminal = new CapturedTerminal();

    const code = await runVerify(
      { assembly: togglesAssembly(DEFAULTS), scenarios: [ScenarioId.IRSA], timeoutSeconds: 10, pollSeconds: 5 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.errors).toContain('Timed out waiting for irsa/eks-iam-test3 (Pending)');
    expect(terminal.text).toContain('phase: expected Succeeded, saw Pending');
  });

  test('fails with one line when nothing is deployed', async () => {
    await expect(
      runVerify(
        { assembly: togglesAssembly(DEFAULTS) },
        { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
      ),
    ).rejects.toThrow(
      /None of node-role, bystander, secret-injected, irsa, pod-identity, old-sdk, precedence, abac-team-a, abac-team-b, role-chaining, session-policy is deployed.*cdk deploy --all/,
    );
  });
});

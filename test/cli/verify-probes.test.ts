import { ExitCode } from '../../lib/cli/errors';
import { classifyCallerArn } from '../../lib/cli/private/caller';
import { runVerify } from '../../lib/cli/commands/verify';
import { ImdsMode } from '../../lib/lab-config';
import { CHAIN_TARGET_ROLE_NAME } from '../../lib/lab-names';
import { CallerKind, PodPhase, ScenarioId, scenario } from '../../lib/scenarios';
import { togglesAssembly } from './support/assembly';
import { FakeCluster, FakePod, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';
import { POD_IDENTITY_ENV, ROLE_ARNS } from './support/pod-identity-features';

const ACCOUNT = '123456789012';
const SESSION = 'eks-eks-oidc-de-eks-iam-ch-6f1d2c3b-4a5e-4f60-8b7c-9d0e1f2a3b4c';
const TARGET_CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/${CHAIN_TARGET_ROLE_NAME}/${SESSION}`;
const SOURCE_CALLER = `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_ARNS.chainSource.split('/').pop()}/${SESSION}`;
const FEATURES = [ScenarioId.ABAC_TEAM_A, ScenarioId.ABAC_TEAM_B, ScenarioId.ROLE_CHAINING, ScenarioId.SESSION_POLICY];
const TOGGLES = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };

/** What each command prints, by outcome, as the AWS CLI v2 prints it. */
const GET_OBJECT_OK =
  '{\n    "AcceptRanges": "bytes",\n    "LastModified": "2026-11-26T11:58:02+00:00",\n    "ContentLength": 43,\n    "ContentType": "text/plain; charset=utf-8"\n}\n';
const GET_OBJECT_DENIED = (key: string, role: string) =>
  `\nAn error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::${ACCOUNT}:assumed-role/${role}/eks-x is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::eks-oidc-demo-lab-bucket/${key}" because no identity-based policy allows the s3:GetObject action\n`;
const CALLER = (arn: string) =>
  `{\n    "UserId": "AROAEXAMPLETARGET0001:${SESSION}",\n    "Account": "${ACCOUNT}",\n    "Arn": "${arn}"\n}\n`;

/** Every pod of the four scenarios, as the expected-outcome table says they end, with overrides by pod name. */
function deployAll(
  cluster: FakeCluster,
  overrides: Record<string, { phase?: string; exitCode?: number; log?: string }> = {},
): Map<string, FakePod> {
  const defaults: Record<string, { phase: string; exitCode: number; log: string }> = {
    'eks-iam-team-a-own': { phase: 'Succeeded', exitCode: 0, log: GET_OBJECT_OK },
    'eks-iam-team-a-other': { phase: 'Failed', exitCode: 254, log: GET_OBJECT_DENIED('team-b/report.txt', 'abac') },
    'eks-iam-team-b-own': { phase: 'Succeeded', exitCode: 0, log: GET_OBJECT_OK },
    'eks-iam-team-b-other': { phase: 'Failed', exitCode: 254, log: GET_OBJECT_DENIED('team-a/report.txt', 'abac') },
    'eks-iam-chain-ls': { phase: 'Succeeded', exitCode: 0, log: '2026-11-26 11:58:02 eks-oidc-demo-lab-bucket\n' },
    'eks-iam-chain-caller': { phase: 'Succeeded', exitCode: 0, log: CALLER(TARGET_CALLER) },
    'eks-iam-session-ls': { phase: 'Succeeded', exitCode: 0, log: '2026-11-26 11:58:02 eks-oidc-demo-lab-bucket\n' },
    'eks-iam-session-read': { phase: 'Failed', exitCode: 254, log: GET_OBJECT_DENIED('team-a/report.txt', 'session') },
  };
  const pods = new Map<string, FakePod>();
  for (const id of FEATURES) {
    const s = scenario(id);
    for (const probe of s.probes!) {
      const state = { ...defaults[probe.pod], ...overrides[probe.pod] };
      pods.set(
        probe.pod,
        cluster.addPod({
          object: podObject({
            namespace: s.namespace,
            name: probe.pod,
            phase: state.phase,
            exitCode: state.exitCode,
            serviceAccount: s.serviceAccount,
            env: POD_IDENTITY_ENV,
          }),
          log: state.log,
        }),
      );
    }
  }
  return pods;
}

async function verify(
  cluster: FakeCluster,
  options: { json?: boolean; clock?: ReturnType<typeof fakeClock>; timeoutSeconds?: number } = {},
) {
  const terminal = new CapturedTerminal();
  const code = await runVerify(
    { assembly: togglesAssembly(TOGGLES), scenarios: FEATURES, pollSeconds: 1, timeoutSeconds: options.timeoutSeconds },
    { kube: cluster.client(), out: terminal.output(options.json), clock: options.clock ?? fakeClock() },
  );
  return { code, terminal };
}

describe('lab verify: the EKS Pod Identity feature scenarios', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  test('GIVEN every pod ended as the table says WHEN verifying THEN every probe is ✓, and the chain caller is the target role', async () => {
    // GIVEN
    deployAll(cluster);

    // WHEN
    const { code, terminal } = await verify(cluster);

    // THEN
    expect(code).toBe(ExitCode.OK);
    const text = terminal.text;
    expect(text).toContain(
      '✓ eks-iam-team-a-other (aws s3api get-object --bucket <lab bucket> --key team-b/report.txt /dev/null): Failed, exit code 254; expected Failed',
    );
    expect(text).toContain('| An error occurred (AccessDenied) when calling the GetObject operation: User:');
    expect(text).toContain(
      `✓ eks-iam-chain-caller (aws sts get-caller-identity --output json): Succeeded, exit code 0; expected Succeeded`,
    );
    expect(text).toContain(`caller ${TARGET_CALLER} -> ${CallerKind.TARGET_ROLE}`);
    expect(text).toContain('✓ session-policy/eks-iam-session-read: The role may read team-a/, but the session policy allows only listing');
    expect(text).toContain('✓ abac-team-b: EKS tagged the session kubernetes-namespace=team-b');
    // The pods' own logs are read, not exec'd into: every pod has ended.
    expect(cluster.requests.some((r) => r.startsWith('EXEC'))).toBe(false);
  });

  test("fails when a team reads the other team's object: the ABAC condition is not doing its job", async () => {
    // GIVEN team-a's read of team-b/ succeeded
    deployAll(cluster, { 'eks-iam-team-a-other': { phase: 'Succeeded', exitCode: 0, log: GET_OBJECT_OK } });

    // WHEN
    const { code, terminal } = await verify(cluster, { json: true });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const verdict = terminal.json().scenarios.find((v: { scenario: string }) => v.scenario === ScenarioId.ABAC_TEAM_A);
    expect(verdict.ok).toBe(false);
    expect(verdict.checks).toEqual({ phase: true, exitCode: true, log: true });
    expect(verdict.probes).toEqual([
      expect.objectContaining({
        pod: 'eks-iam-team-a-other',
        ok: false,
        checks: { phase: false, log: false },
        expected: expect.objectContaining({ phase: PodPhase.FAILED }),
      }),
    ]);
    expect(terminal.json().scenarios.filter((v: { ok: boolean }) => !v.ok)).toHaveLength(1);
  });

  test('fails when the chained pod holds the association role, not the target role', async () => {
    // GIVEN EKS did not chain: the caller is the first role
    deployAll(cluster, { 'eks-iam-chain-caller': { log: CALLER(SOURCE_CALLER) } });

    // WHEN
    const { code, terminal } = await verify(cluster, { json: true });

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const verdict = terminal.json().scenarios.find((v: { scenario: string }) => v.scenario === ScenarioId.ROLE_CHAINING);
    expect(verdict.probes[0]).toMatchObject({
      pod: 'eks-iam-chain-caller',
      ok: false,
      checks: { phase: true, log: true, caller: false },
      observed: { caller: { kind: CallerKind.POD_IDENTITY_ROLE, arn: SOURCE_CALLER } },
    });
  });

  test('fails when the session policy did not narrow the role: the read succeeded', async () => {
    deployAll(cluster, { 'eks-iam-session-read': { phase: 'Succeeded', exitCode: 0, log: GET_OBJECT_OK } });
    const { code, terminal } = await verify(cluster);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain(
      '✗ eks-iam-session-read (aws s3api get-object --bucket <lab bucket> --key team-a/report.txt /dev/null): Succeeded, exit code 0; expected Failed',
    );
    expect(terminal.text).toContain('✗ session-policy/eks-iam-session-read:');
  });

  test('GIVEN a probe still running WHEN it ends while verify waits THEN its outcome is the one checked', async () => {
    // GIVEN
    const pods = deployAll(cluster, { 'eks-iam-chain-caller': { phase: 'Running', exitCode: undefined, log: '' } });
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      const caller = pods.get('eks-iam-chain-caller')!;
      caller.object = podObject({
        namespace: 'role-chaining',
        name: 'eks-iam-chain-caller',
        phase: 'Succeeded',
        exitCode: 0,
        serviceAccount: 'eks-iam-test',
      });
      caller.log = CALLER(TARGET_CALLER);
    };

    // WHEN
    const { code } = await verify(cluster, { clock });

    // THEN
    expect(code).toBe(ExitCode.OK);
    expect(clock.sleeps).toEqual([1000]);
  });

  test('fails when a probe pod is missing, naming it', async () => {
    deployAll(cluster);
    cluster.pods.delete('session-policy/eks-iam-session-read');
    const { code, terminal } = await verify(cluster);
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.text).toContain(
      '✗ eks-iam-session-read (aws s3api get-object --bucket <lab bucket> --key team-a/report.txt /dev/null): Missing; expected Failed',
    );
  });
});

describe('caller classification of a chained role', () => {
  test('the target role is known by its name, whatever its session is called', () => {
    expect(classifyCallerArn(TARGET_CALLER)).toBe(CallerKind.TARGET_ROLE);
    expect(classifyCallerArn(`arn:aws:sts::${ACCOUNT}:assumed-role/${CHAIN_TARGET_ROLE_NAME}/any-session`)).toBe(CallerKind.TARGET_ROLE);
  });

  test('the association role of the same pod is an ordinary Pod Identity caller', () => {
    expect(classifyCallerArn(SOURCE_CALLER)).toBe(CallerKind.POD_IDENTITY_ROLE);
  });
});

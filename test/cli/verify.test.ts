import { ExitCode } from '../../lib/cli/errors';
import { CALLER_IDENTITY_COMMAND, runVerify } from '../../lib/cli/verify';
import { ImdsMode } from '../../lib/lab-config';
import { CallerKind, PodPhase, ScenarioId, expectedOutcome, scenario } from '../../lib/scenarios';
import { togglesAssembly } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';

const ACCOUNT = '123456789012';
const NODE_ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890`;
const IRSA_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456/botocore-session-1764158400`;
const ACCESS_DENIED_LOG = '\nAn error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied\n';

function identity(arn: string) {
  return () => ({
    stdout: JSON.stringify({ UserId: 'AROAEXAMPLE:i-0a1b2c3d4e5f67890', Account: ACCOUNT, Arn: arn }, null, 4),
    exitCode: 0,
  });
}

/** Deploys one scenario's pods into the fake cluster. */
function deploy(
  cluster: FakeCluster,
  id: ScenarioId,
  s3Ls: { phase: string; exitCode?: number; log?: string },
  caller?: () => { stdout?: string; stderr?: string; exitCode: number },
) {
  const s = scenario(id);
  const s3LsPod = cluster.addPod({
    object: podObject({ namespace: s.namespace, name: s.s3LsPod, ...s3Ls, serviceAccount: s.serviceAccount }),
    log: s3Ls.log,
  });
  if (s.sleepPod)
    cluster.addPod({
      object: podObject({ namespace: s.namespace, name: s.sleepPod, phase: 'Running', command: ['sleep', 'infinity'] }),
      exec: caller,
    });
  return s3LsPod;
}

describe('lab verify', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  test('GIVEN node-role and irsa behave as the table says WHEN verifying THEN every row is ✓ and the exit code is 0', async () => {
    // GIVEN
    const toggles = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };
    deploy(cluster, ScenarioId.NODE_ROLE, { phase: 'Failed', exitCode: 254, log: ACCESS_DENIED_LOG }, identity(NODE_ROLE_ARN));
    deploy(cluster, ScenarioId.IRSA, { phase: 'Succeeded', exitCode: 0, log: '2026-11-20 09:12:44 lab-bucket\n' }, identity(IRSA_ARN));
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runVerify(
      { assembly: togglesAssembly(toggles), pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    // THEN
    expect(code).toBe(ExitCode.OK);
    expect(terminal.text).toContain('imds=open, nodeRoleS3Access=false');
    expect(terminal.text).toMatch(/eks-iam-test1: Failed, exit code 254/);
    expect(terminal.text).toContain('| An error occurred (AccessDenied) when calling the ListBuckets operation: Access Denied');
    expect(terminal.text).toContain(`caller ${NODE_ROLE_ARN} -> ${CallerKind.NODE_ROLE}`);
    expect(terminal.text).toContain(`caller ${IRSA_ARN} -> ${CallerKind.WEB_IDENTITY_ROLE}`);
    expect(terminal.text).toMatch(/│ node-role\s+│ Failed/);
    expect(terminal.text).toContain(`✓ node-role: ${expectedOutcome(ScenarioId.NODE_ROLE, toggles).why}`);
    expect(terminal.text).toContain(`✓ irsa: ${expectedOutcome(ScenarioId.IRSA, toggles).why}`);
    // The caller identity is asked from inside the sleep pod.
    expect(cluster.requests).toContainEqual(expect.stringContaining(`EXEC /api/v1/namespaces/node-role/pods/eks-iam-test2/exec?`));
    expect(cluster.requests.join('\n')).toContain(CALLER_IDENTITY_COMMAND.map((part) => `command=${part}`).join('&'));
  });

  test('fails when the node role can list buckets although the toggles say it may not', async () => {
    // GIVEN: the pod succeeded, e.g. it ran before the grant was removed
    deploy(cluster, ScenarioId.NODE_ROLE, { phase: 'Succeeded', exitCode: 0, log: '' }, identity(NODE_ROLE_ARN));
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runVerify(
      { assembly: togglesAssembly({ imds: ImdsMode.OPEN, nodeRoleS3Access: false }), scenarios: [ScenarioId.NODE_ROLE], pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(true), clock: fakeClock() },
    );

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    const [verdict] = terminal.json().scenarios;
    expect(verdict).toMatchObject({ scenario: 'node-role', ok: false, checks: { phase: false, log: false, caller: true } });
    expect(verdict.expected.phase).toBe(PodPhase.FAILED);
  });

  test('GIVEN IMDS locked WHEN the sleep pod finds no credentials THEN its caller is none and node-role passes', async () => {
    // GIVEN
    const noCredentials = () => ({
      stderr: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
      exitCode: 253,
    });
    deploy(
      cluster,
      ScenarioId.NODE_ROLE,
      {
        phase: 'Failed',
        exitCode: 253,
        log: '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
      },
      noCredentials,
    );
    deploy(cluster, ScenarioId.BYSTANDER, { phase: 'Failed', exitCode: 253, log: 'Unable to locate credentials.' });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runVerify(
      {
        assembly: togglesAssembly({ imds: ImdsMode.LOCKED, nodeRoleS3Access: false }),
        scenarios: [ScenarioId.NODE_ROLE, ScenarioId.BYSTANDER],
        pollSeconds: 1,
      },
      { kube: cluster.client(), out: terminal.output(true), clock: fakeClock() },
    );

    // THEN
    expect(code).toBe(ExitCode.OK);
    const [nodeRole, bystander] = terminal.json().scenarios;
    expect(nodeRole.observed.caller).toMatchObject({ kind: CallerKind.NONE });
    // The bystander has no sleep pod: its caller is not compared.
    expect(bystander.checks).toEqual({ phase: true, log: true });
    expect(bystander.observed.caller).toBeUndefined();
  });

  test('GIVEN a pod still running WHEN it finishes later THEN verify waits for it with a visible progress line', async () => {
    // GIVEN
    const s3Ls = deploy(cluster, ScenarioId.IRSA, { phase: 'Running' }, identity(IRSA_ARN));
    const clock = fakeClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms) => {
      await sleep(ms);
      // The pod completes while verify waits.
      s3Ls.object = podObject({
        namespace: 'irsa',
        name: 'eks-iam-test3',
        phase: 'Succeeded',
        exitCode: 0,
        serviceAccount: 'eks-iam-test',
      });
    };
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runVerify(
      { assembly: togglesAssembly({ imds: ImdsMode.OPEN, nodeRoleS3Access: false }), scenarios: [ScenarioId.IRSA], pollSeconds: 2 },
      { kube: cluster.client(), out: terminal.output(), clock },
    );

    // THEN
    expect(code).toBe(ExitCode.OK);
    expect(clock.sleeps).toEqual([2000]);
    expect(terminal.errors).toContain('Waiting for the s3 ls pods of irsa to finish');
    expect(terminal.errors).toContain('All 1 s3 ls pod(s) finished.');
  });

  test('fails after the timeout when a pod never finishes, and says which', async () => {
    // GIVEN
    deploy(cluster, ScenarioId.IRSA, { phase: 'Pending' }, identity(IRSA_ARN));
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runVerify(
      {
        assembly: togglesAssembly({ imds: ImdsMode.OPEN, nodeRoleS3Access: false }),
        scenarios: [ScenarioId.IRSA],
        timeoutSeconds: 10,
        pollSeconds: 5,
      },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(terminal.errors).toContain('Timed out waiting for irsa/eks-iam-test3 (Pending)');
    expect(terminal.text).toMatch(/│ irsa\s+│ Succeeded[\s\S]*Pending[\s\S]*✗/);
  });

  test('fails with one line when nothing is deployed', async () => {
    await expect(
      runVerify(
        { assembly: togglesAssembly({ imds: ImdsMode.OPEN, nodeRoleS3Access: false }) },
        { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
      ),
    ).rejects.toThrow(
      /None of node-role, bystander, secret-injected, irsa, pod-identity, abac-team-a, abac-team-b, role-chaining, session-policy is deployed.*cdk deploy --all/,
    );
  });
});

import { ExitCode } from '../../lib/cli/errors';
import { runRerun } from '../../lib/cli/commands/rerun';
import { ScenarioId } from '../../lib/scenarios';
import { synthLab } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';

describe('lab rerun --pod: one run-once pod of a feature scenario', () => {
  let cluster: FakeCluster;
  let assembly: string;
  beforeAll(async () => {
    assembly = await synthLab();
  }, 60_000);
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  test('GIVEN the chain caller pod ended WHEN rerun with --pod THEN that pod is recreated and the message names its command', async () => {
    // GIVEN
    cluster.addPod({
      object: podObject({
        namespace: 'role-chaining',
        name: 'eks-iam-chain-caller',
        phase: 'Succeeded',
        exitCode: 0,
        serviceAccount: 'eks-iam-test',
      }),
    });
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runRerun(
      { scenario: ScenarioId.ROLE_CHAINING, pod: 'eks-iam-chain-caller', assembly, pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );

    // THEN
    expect(code).toBe(ExitCode.OK);
    expect(cluster.requests).toContain('DELETE /api/v1/namespaces/role-chaining/pods/eks-iam-chain-caller');
    expect(cluster.created.map((pod) => pod.metadata.name)).toEqual(['eks-iam-chain-caller']);
    expect(terminal.text).toContain('It runs `aws sts get-caller-identity --output json` once more.');
  });

  test('without --pod it reruns the scenario’s first pod', async () => {
    const terminal = new CapturedTerminal();
    const code = await runRerun(
      { scenario: ScenarioId.ROLE_CHAINING, assembly, pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );
    expect(code).toBe(ExitCode.OK);
    // Gone from the cluster, so taken from the assembly: it holds no deploy-time value.
    expect(cluster.created.map((pod) => [pod.metadata.name, pod.spec.containers[0].args])).toEqual([['eks-iam-chain-ls', ['s3', 'ls']]]);
  });

  test('fails on a pod the scenario does not run, listing those it does', async () => {
    await expect(
      runRerun(
        { scenario: ScenarioId.SESSION_POLICY, pod: 'eks-iam-test7', assembly },
        { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
      ),
    ).rejects.toThrow(
      'Scenario session-policy runs no pod eks-iam-test7 once. Use --pod with one of: eks-iam-session-ls, eks-iam-session-read.',
    );
  });

  test('fails when a gone pod needs a value only CloudFormation knows, rather than creating it with a placeholder', async () => {
    // GIVEN the pod reads the lab bucket, whose name CloudFormation generates, and is gone
    const run = runRerun(
      { scenario: ScenarioId.ABAC_TEAM_A, pod: 'eks-iam-team-a-other', assembly },
      { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
    );
    // WHEN / THEN
    await expect(run).rejects.toThrow(
      /Pod team-a\/eks-iam-team-a-other does not exist, and its manifest in .* holds \$\{LabBucket\w+\}, which only CloudFormation knows/,
    );
    expect(cluster.created).toEqual([]);
  });
});

import { ExitCode } from '../../lib/cli/errors';
import { recreatable, runRerun } from '../../lib/cli/commands/rerun';
import { ScenarioId } from '../../lib/scenarios';
import { removeStack, synthLab, copyAssembly } from './support/assembly';
import { FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';

describe('lab rerun', () => {
  let cluster: FakeCluster;
  let assembly: string;
  beforeAll(async () => {
    assembly = await synthLab();
  });
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  test('GIVEN a finished s3 ls pod WHEN rerun THEN it is deleted, waited for and created again without what the server assigned', async () => {
    // GIVEN: a pod that stays visible for two reads while it terminates
    const original = podObject({ namespace: 'node-role', name: 'eks-iam-test1', phase: 'Failed', exitCode: 254 });
    cluster.addPod({ object: original, terminatingReads: 2 });
    const clock = fakeClock();
    const terminal = new CapturedTerminal();

    // WHEN
    const code = await runRerun(
      { scenario: ScenarioId.NODE_ROLE, assembly, pollSeconds: 1 },
      { kube: cluster.client(), out: terminal.output(), clock },
    );

    // THEN
    expect(code).toBe(ExitCode.OK);
    const calls = cluster.requests.filter((r) => r.includes('eks-iam-test1') || r.startsWith('POST'));
    expect(calls).toEqual([
      'GET /api/v1/namespaces/node-role/pods/eks-iam-test1',
      'DELETE /api/v1/namespaces/node-role/pods/eks-iam-test1',
      'GET /api/v1/namespaces/node-role/pods/eks-iam-test1',
      'GET /api/v1/namespaces/node-role/pods/eks-iam-test1',
      'GET /api/v1/namespaces/node-role/pods/eks-iam-test1',
      'POST /api/v1/namespaces/node-role/pods',
    ]);
    expect(clock.sleeps).toEqual([1000, 1000]);
    const [created] = cluster.created;
    expect(created.status).toBeUndefined();
    expect(created.metadata).not.toHaveProperty('uid');
    expect(created.metadata).not.toHaveProperty('resourceVersion');
    expect(created.spec).not.toHaveProperty('nodeName');
    expect(created.metadata.name).toBe('eks-iam-test1');
    expect(created.spec.containers[0].args).toEqual(['s3', 'ls']);
    expect(created.spec.restartPolicy).toBe('Never');
    expect(terminal.text).toContain('npm run lab -- verify node-role');
  });

  test('recreatable keeps labels and the container spec', () => {
    const pod = podObject({ namespace: 'irsa', name: 'eks-iam-test3', phase: 'Succeeded', exitCode: 0, serviceAccount: 'eks-iam-test' });
    const copy = recreatable(pod as never);
    expect(copy.metadata?.labels).toEqual(pod.metadata.labels);
    expect(copy.spec?.serviceAccountName).toBe('eks-iam-test');
    expect(copy.metadata).not.toHaveProperty('managedFields');
  });

  test('GIVEN the pod is gone, as after a node replacement, WHEN rerun THEN it is created from the cloud assembly', async () => {
    // GIVEN no pod eks-iam-test3
    const terminal = new CapturedTerminal();
    // WHEN
    const code = await runRerun(
      { scenario: ScenarioId.IRSA, assembly },
      { kube: cluster.client(), out: terminal.output(), clock: fakeClock() },
    );
    // THEN the pod the IRSA stack creates, as synthesized, and nothing was deleted
    expect(code).toBe(ExitCode.OK);
    expect(cluster.requests.filter((r) => r.startsWith('DELETE'))).toEqual([]);
    const [created] = cluster.created;
    expect(created.metadata).toEqual({ name: 'eks-iam-test3', namespace: 'irsa' });
    expect(created.spec.serviceAccountName).toBe('eks-iam-test');
    expect(created.spec.restartPolicy).toBe('Never');
    expect(created.spec.containers[0].args).toEqual(['s3', 'ls']);
    expect(terminal.text).toContain('from the cloud assembly');
  });

  test('fails when the pod is gone and the assembly lacks its stack, saying what to do', async () => {
    // GIVEN
    const partial = copyAssembly(assembly);
    removeStack(partial, 'eks-oidc-demo-irsa');
    // WHEN / THEN
    await expect(
      runRerun(
        { scenario: ScenarioId.IRSA, assembly: partial },
        { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
      ),
    ).rejects.toThrow(/Pod irsa\/eks-iam-test3 does not exist, and .* has no eks-oidc-demo-irsa\. Synthesize .*npx cdk synth --quiet/);
    expect(cluster.created).toEqual([]);
  });

  test('fails when the old pod never goes away', async () => {
    cluster.addPod({
      object: podObject({ namespace: 'irsa', name: 'eks-iam-test3', phase: 'Succeeded', exitCode: 0 }),
      terminatingReads: 1000,
    });
    await expect(
      runRerun(
        { scenario: ScenarioId.IRSA, assembly, timeoutSeconds: 4, pollSeconds: 2 },
        { kube: cluster.client(), out: new CapturedTerminal().output(), clock: fakeClock() },
      ),
    ).rejects.toThrow(/was not gone after 4s/);
    expect(cluster.created).toEqual([]);
  });
});

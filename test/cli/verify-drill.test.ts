import { ExitCode } from '../../lib/cli/errors';
import { runVerify } from '../../lib/cli/commands/verify';
import { Drill, ImdsMode } from '../../lib/lab-config';
import { DRILL_METADATA_KEY, TOGGLES_METADATA_KEY } from '../../lib/lab-names';
import { CallerKind, PodPhase, ScenarioId, expectedOutcome, scenario } from '../../lib/scenarios';
import { synthLab, writeAssembly } from './support/assembly';
import { ExecReply, FakeCluster, podObject } from './support/fake-cluster';
import { CapturedTerminal, fakeClock } from './support/output';

const ACCOUNT = '123456789012';
const NODE_ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-eksoidcdemoNodegrouplabngNodeGrou-Q1W2E3R4T5Y6/i-0a1b2c3d4e5f67890`;
const IRSA_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/eks-oidc-demo-irsa-S3ListRole229B9F28-AbCdEf123456/botocore-session-1764158400`;
const HEALTHY = { imds: ImdsMode.OPEN, nodeRoleS3Access: false };

// What the AWS CLI prints, written out here rather than taken from lib/scenarios.ts, so a wrong
// signature there fails these tests.
const TRUST_REFUSED =
  '\nAn error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity\n';
// S3's refusal as it reads today for a caller in the same account (S3 user guide, troubleshoot-403-errors).
const LIST_BUCKETS_DENIED = `\nAn error occurred (AccessDenied) when calling the ListBuckets operation: User: ${NODE_ROLE_ARN} is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action\n`;
// The status code and EKS Auth's message are made up: no source confirms them (see lib/scenarios.ts).
const AGENT_REFUSED =
  '\nError when retrieving credentials from container-role: Error retrieving metadata: Received non 200 response 400 from container metadata: [5b0c7c3e-1a2b-4c3d-9e8f-0a1b2c3d4e5f]: (AccessDeniedException): Unable to assume role, fault: client\n';

const identity = (arn: string) => (): ExecReply => ({
  stdout: JSON.stringify({ UserId: 'AROAEXAMPLE:session', Account: ACCOUNT, Arn: arn }, null, 4),
  exitCode: 0,
});
const printing = (text: string, exitCode: number) => (): ExecReply => ({ stderr: text, exitCode });

/** An assembly with the node-role stack's toggles and, like a drilled synth, the drill in the metadata of the stack it changes. */
function drilledAssembly(drill: Drill, stackName: string): string {
  return writeAssembly({
    'eks-oidc-demo-node-role': { Metadata: { [TOGGLES_METADATA_KEY]: HEALTHY }, Resources: {} },
    [stackName]: { Metadata: { [DRILL_METADATA_KEY]: drill }, Resources: {} },
  });
}

describe('lab verify under a drill', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await new FakeCluster().start();
  });
  afterEach(() => cluster.stop());

  function deploy(id: ScenarioId, s3Ls: { phase: string; exitCode: number; log: string }, sleeper: () => ExecReply) {
    const s = scenario(id);
    cluster.addPod({
      object: podObject({
        namespace: s.namespace,
        name: s.s3LsPod,
        phase: s3Ls.phase,
        exitCode: s3Ls.exitCode,
        serviceAccount: s.serviceAccount,
      }),
      log: s3Ls.log,
    });
    cluster.addPod({
      object: podObject({ namespace: s.namespace, name: s.sleepPod!, phase: 'Running', command: ['sleep', 'infinity'] }),
      exec: sleeper,
    });
  }

  async function verify(assembly: string, scenarios: ScenarioId[]) {
    const human = new CapturedTerminal();
    const code = await runVerify(
      { assembly, scenarios, pollSeconds: 1 },
      { kube: cluster.client(), out: human.output(), clock: fakeClock() },
    );
    const json = new CapturedTerminal();
    await runVerify({ assembly, scenarios, pollSeconds: 1 }, { kube: cluster.client(), out: json.output(true), clock: fakeClock() });
    return { code, text: human.text, result: json.json() };
  }

  test('GIVEN irsa-aud-typo synthesized WHEN the IRSA pods show STS refusing the role THEN verify passes and names the drill', async () => {
    // GIVEN the real lab synthesized with the drill, and pods that show what it causes
    const assembly = await synthLab({ drill: Drill.IRSA_AUD_TYPO });
    deploy(ScenarioId.IRSA, { phase: 'Failed', exitCode: 254, log: TRUST_REFUSED }, printing(TRUST_REFUSED, 254));
    deploy(ScenarioId.NODE_ROLE, { phase: 'Failed', exitCode: 254, log: LIST_BUCKETS_DENIED }, identity(NODE_ROLE_ARN));

    // WHEN
    const { code, text, result } = await verify(assembly, [ScenarioId.IRSA, ScenarioId.NODE_ROLE]);

    // THEN the drill's scenario is held to the drill's outcome, the other to its own
    expect(code).toBe(ExitCode.OK);
    expect(text).toContain('Drill from the cloud assembly: irsa-aud-typo (recorded in eks-oidc-demo-irsa), so irsa is checked');
    expect(text).toContain(`✓ irsa: ${expectedOutcome(ScenarioId.IRSA, HEALTHY, Drill.IRSA_AUD_TYPO).why}`);
    expect(text).toContain(`✓ node-role: ${expectedOutcome(ScenarioId.NODE_ROLE, HEALTHY).why}`);
    expect(result.drill).toBe(Drill.IRSA_AUD_TYPO);
    const [irsa] = result.scenarios;
    expect(irsa.expected).toMatchObject({ phase: PodPhase.FAILED, caller: CallerKind.NONE });
    expect(irsa.checks).toEqual({ phase: true, exitCode: true, log: true, caller: true });
    expect(irsa.observed.caller).toEqual({ kind: CallerKind.NONE, detail: TRUST_REFUSED.trim() });
  }, 60_000);

  test('fails under irsa-aud-typo when the IRSA pod still lists the buckets, as right after a deploy IAM has not caught up', async () => {
    // GIVEN
    deploy(ScenarioId.IRSA, { phase: 'Succeeded', exitCode: 0, log: '2026-11-20 09:12:44 lab-bucket\n' }, identity(IRSA_ARN));

    // WHEN
    const { code, result } = await verify(drilledAssembly(Drill.IRSA_AUD_TYPO, 'eks-oidc-demo-irsa'), [ScenarioId.IRSA]);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(result.scenarios[0]).toMatchObject({ ok: false, checks: { phase: false, log: false, caller: false } });
  });

  test('GIVEN irsa-no-annotation WHEN the pods fell back to the node role THEN verify passes, caller node-role', async () => {
    deploy(ScenarioId.IRSA, { phase: 'Failed', exitCode: 254, log: LIST_BUCKETS_DENIED }, identity(NODE_ROLE_ARN));
    const { code, result } = await verify(drilledAssembly(Drill.IRSA_NO_ANNOTATION, 'eks-oidc-demo-irsa'), [ScenarioId.IRSA]);
    expect(code).toBe(ExitCode.OK);
    expect(result.scenarios[0]).toMatchObject({
      ok: true,
      expected: { caller: CallerKind.NODE_ROLE },
      observed: { caller: { kind: CallerKind.NODE_ROLE } },
    });
  });

  test('GIVEN pod-identity-no-tag-session WHEN the agent refuses the pods THEN verify passes, caller none', async () => {
    deploy(ScenarioId.POD_IDENTITY, { phase: 'Failed', exitCode: 255, log: AGENT_REFUSED }, printing(AGENT_REFUSED, 255));
    const { code, result } = await verify(drilledAssembly(Drill.POD_IDENTITY_NO_TAG_SESSION, 'eks-oidc-demo-pod-identity'), [
      ScenarioId.POD_IDENTITY,
    ]);
    expect(code).toBe(ExitCode.OK);
    expect(result.scenarios[0]).toMatchObject({ ok: true, observed: { caller: { kind: CallerKind.NONE } } });
  });

  test('GIVEN pod-identity-pods-first WHEN the pods still got credentials THEN verify fails and says the drill needs a fresh stack', async () => {
    // GIVEN the association was in effect before the pods ran again: the stack was not destroyed first
    deploy(ScenarioId.POD_IDENTITY, { phase: 'Succeeded', exitCode: 0, log: '' }, identity(NODE_ROLE_ARN));

    // WHEN
    const { code, text } = await verify(drilledAssembly(Drill.POD_IDENTITY_PODS_FIRST, 'eks-oidc-demo-pod-identity'), [
      ScenarioId.POD_IDENTITY,
    ]);

    // THEN
    expect(code).toBe(ExitCode.CHECK_FAILED);
    expect(text).toContain('This drill shows only if it was deployed after `npx cdk destroy eks-oidc-demo-pod-identity`');
    expect(text).toMatch(/✗ pod-identity: The pods were created before their association/);
  });

  test('fails with one line when two stacks record a drill', async () => {
    const assembly = writeAssembly({
      'eks-oidc-demo-node-role': { Metadata: { [TOGGLES_METADATA_KEY]: HEALTHY }, Resources: {} },
      'eks-oidc-demo-irsa': { Metadata: { [DRILL_METADATA_KEY]: Drill.IRSA_AUD_TYPO }, Resources: {} },
      'eks-oidc-demo-pod-identity': { Metadata: { [DRILL_METADATA_KEY]: Drill.POD_IDENTITY_PODS_FIRST }, Resources: {} },
    });
    await expect(verify(assembly, [ScenarioId.IRSA])).rejects.toThrow(
      /eks-oidc-demo-irsa and eks-oidc-demo-pod-identity in .* each record a drill, but one synth deploys one drill/,
    );
  });

  test('fails with one line when the recorded drill is unknown, listing the drills', async () => {
    const assembly = drilledAssembly('irsa-typo' as Drill, 'eks-oidc-demo-irsa');
    await expect(verify(assembly, [ScenarioId.IRSA])).rejects.toThrow(
      /The drill recorded in eks-oidc-demo-irsa is invalid: Invalid context value for 'drill': got "irsa-typo", expected irsa-aud-typo\|irsa-client-id-typo\|/,
    );
  });
});

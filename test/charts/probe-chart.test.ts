import { Testing } from 'cdk8s';
import { ProbeChart } from '../../lib/app/charts/probe-chart';
import { ProbeCommand, ScenarioId, scenario } from '../../lib/scenarios';
import { validateKubeObject } from '../kube-schema';

const IMAGE = 'public.ecr.aws/aws-cli/aws-cli:2.22.0';

describe('ProbeChart', () => {
  test('one pod per probe, of the post’s shape: the AWS CLI image, the command as args, restartPolicy Never', () => {
    // GIVEN
    const teamA = scenario(ScenarioId.ABAC_TEAM_A);
    // WHEN
    const chart = new ProbeChart(Testing.app(), 'test', {
      namespace: teamA.namespace,
      image: IMAGE,
      serviceAccount: teamA.serviceAccount,
      probes: teamA.probes!,
      bucketName: 'lab-bucket',
    });
    // THEN
    const pods = Testing.synth(chart);
    expect(pods.map((pod) => [pod.metadata.name, pod.spec.containers[0].args])).toEqual([
      ['eks-iam-team-a-own', ['s3api', 'get-object', '--bucket', 'lab-bucket', '--key', 'team-a/report.txt', '/dev/null']],
      ['eks-iam-team-a-other', ['s3api', 'get-object', '--bucket', 'lab-bucket', '--key', 'team-b/report.txt', '/dev/null']],
    ]);
    for (const pod of pods) {
      expect(pod.spec).toMatchObject({ serviceAccountName: 'eks-iam-test', restartPolicy: 'Never' });
      expect(pod.spec.containers[0]).toMatchObject({ image: IMAGE, securityContext: { allowPrivilegeEscalation: false } });
      expect(() => validateKubeObject(pod)).not.toThrow();
    }
  });

  test('a caller probe prints the identity as JSON', () => {
    const chart = new ProbeChart(Testing.app(), 'test', {
      namespace: 'role-chaining',
      image: IMAGE,
      serviceAccount: 'eks-iam-test',
      probes: [{ pod: 'who', command: ProbeCommand.CALLER_IDENTITY, expected: scenario(ScenarioId.ROLE_CHAINING).probes![1].expected }],
    });
    expect(Testing.synth(chart)[0].spec.containers[0].args).toMatchInlineSnapshot(`
[
  "sts",
  "get-caller-identity",
  "--output",
  "json",
]
`);
  });

  test('fails when a probe reads an object but no bucket is named', () => {
    const teamA = scenario(ScenarioId.ABAC_TEAM_A);
    expect(
      () =>
        new ProbeChart(Testing.app(), 'test', { namespace: 'team-a', image: IMAGE, serviceAccount: 'eks-iam-test', probes: teamA.probes! }),
    ).toThrow(/The GetObject command of team-a\/report.txt needs the lab bucket's name: pass bucketName/);
  });
});

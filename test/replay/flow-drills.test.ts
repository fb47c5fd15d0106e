import { LabAssembly } from '../../lib/cli/assembly';
import { Finding, runRules } from '../../lib/cli/rules';
import { modelFromSnapshot, readSnapshotDir } from '../../lib/cli/sources/snapshot';
import { DRILLS, drillStackName } from '../../lib/drills';
import { NODE_POD_CAPACITY } from '../../lib/app/cluster-stack';
import { Drill, ImdsMode } from '../../lib/lab-config';
import { LabToggles } from '../../lib/scenarios';
import { EXPECTED, HEALTHY_LESSONS, lessonsShown, unexpected } from '../cli/audit/lab-ground-truth';
import { auditSnapshotOf, writeAuditSnapshot } from './audit-snapshot';
import { KubeObject } from '../cluster-handlers/fake-cluster';
import { StackStatus } from './cloudformation';
import { ALL_PODS, expectedView, podsIn, userView } from './expected-lab';
import { deployDrill, undoDrill } from './drill-steps';
import { Injected, LabReplay, assembly } from './lab-replay';

// Each step runs the lab's handlers, with kubectl, as separate processes.
jest.setTimeout(900_000);

const IRSA_PODS = podsIn('irsa');
const POD_IDENTITY_PODS = ['pod-identity/eks-iam-test7', 'pod-identity/eks-iam-test8'];

/** A `kubectl get -o json` list, read loosely. */
type KubeList = { items: KubeObject[] } & KubeObject;

/**
 * What each drill leaves, written out from the README's drill sections: which pods run again, and
 * what the webhook injects into them. A broken trust or OIDC provider changes nothing the webhook
 * does; a missing annotation leaves the IRSA pods with nothing; pods created before their
 * association get nothing, while the old-sdk pod, which still waits for it, gets Pod Identity.
 *
 * The fake webhook learns of a change a few admissions or ticks late, whichever comes first, as a
 * real webhook's informer catches up with time: a removed annotation, or an association deleted
 * with its stack minutes before, is no longer injected into the next pods. Nothing in the lab
 * waits for an injection to stop, so a real cluster whose webhook lags more than the deploy takes
 * would still inject the first pods after such a change.
 */
const DRILL_STATE: Record<Drill, { created: string[]; injected?: Record<string, Injected> }> = {
  [Drill.IRSA_AUD_TYPO]: { created: IRSA_PODS },
  [Drill.IRSA_CLIENT_ID_TYPO]: { created: IRSA_PODS },
  [Drill.IRSA_WRONG_NAMESPACE]: { created: IRSA_PODS },
  [Drill.IRSA_NO_ANNOTATION]: {
    created: IRSA_PODS,
    injected: { 'irsa/eks-iam-test3': Injected.NOTHING, 'irsa/eks-iam-test4': Injected.NOTHING },
  },
  [Drill.IRSA_NO_OIDC_PROVIDER]: { created: IRSA_PODS },
  [Drill.POD_IDENTITY_NO_TAG_SESSION]: { created: POD_IDENTITY_PODS },
  [Drill.POD_IDENTITY_PODS_FIRST]: {
    created: podsIn('pod-identity'),
    injected: { 'pod-identity/eks-iam-test7': Injected.NOTHING, 'pod-identity/eks-iam-test8': Injected.NOTHING },
  },
};

/** Which pods going back to the healthy lab runs again: those of the drilled stack's resources that change back. */
const BACK: Record<Drill, string[]> = {
  ...(Object.fromEntries(Object.values(Drill).map((drill) => [drill, DRILL_STATE[drill].created])) as Record<Drill, string[]>),
  // Back from pods-first, the association exists already: only the pods whose resource changes run again.
  [Drill.POD_IDENTITY_PODS_FIRST]: POD_IDENTITY_PODS,
};

/** `lab audit --from DIR` over a snapshot of where the replay left the lab: its findings, read as `lab audit` reads them. */
function audit(lab: LabReplay): Finding[] {
  return runRules(modelFromSnapshot(readSnapshotDir(writeAuditSnapshot(lab))));
}

/** A finding as `rule subject`, an add-on pod's generated 5-character suffix as `*`. */
const nameOf = (finding: Finding) =>
  `${finding.ruleId} ${finding.subject.replace(/^(pod kube-system\/[\w-]+)-[bcdfghjklmnpqrstvwxz2456789]{5}$/, '$1-*')}`;

/**
 * The replayed cluster runs the add-ons' pods too, which the assembly source leaves out. The CoreDNS
 * pods are not on the host network and have no role of their own, so with imds=open (hop limit 2,
 * for the node-role lesson) they reach the node role as any such pod does: the audit finds them,
 * and the lab counts them as that lesson. aws-node, kube-proxy and the agent run on the host
 * network, which the rule does not count as a pod reaching the node. Everything else the audit
 * finds is what it finds in the assembly: the replay's webhook, late as it is, sees each drill's
 * change before the pods the drill creates, as the assembly source assumes.
 */
function addonPodsReachingNodeRole(findings: readonly Finding[]): string[] {
  return findings.filter((f) => f.subject.startsWith('pod kube-system/')).map(nameOf);
}

describe('replayed: each drill deployed over the running lab, as `lab drill` says, and back to the healthy lab', () => {
  let lab: LabReplay;
  let toggles: LabToggles | undefined;
  beforeAll(async () => {
    lab = await LabReplay.start();
    toggles = LabAssembly.read((await assembly({})).directory).toggles();
  });
  afterAll(async () => lab.stop());

  test('npx cdk deploy --all, the first deploy', async () => {
    expect(userView(await lab.deploy())).toEqual(expectedView({ created: ALL_PODS }));
  });

  test("the snapshot's cluster files are `kubectl get <kind> -A -o json` documents of every lab pod and service account", () => {
    const { pods, serviceAccounts } = auditSnapshotOf(lab) as { pods: KubeList; serviceAccounts: KubeList };
    // Each is a List of v1 objects of its kind, as kubectl prints it.
    for (const list of [pods, serviceAccounts])
      expect(list).toMatchObject({ apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } });
    expect(new Set(pods.items.map((p) => `${p.apiVersion} ${p.kind}`))).toEqual(new Set(['v1 Pod']));
    expect(new Set(serviceAccounts.items.map((s) => `${s.apiVersion} ${s.kind}`))).toEqual(new Set(['v1 ServiceAccount']));
    const labPods = pods.items.filter((p) => p.metadata.namespace !== 'kube-system');
    expect(labPods.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort()).toEqual([...ALL_PODS].sort());
    // The IRSA service account carries its role annotation, and the IRSA pods what the webhook injected from it.
    const irsa = serviceAccounts.items.find((s) => s.metadata.namespace === 'irsa' && s.metadata.name === 'eks-iam-test');
    const roleArn = irsa?.metadata.annotations?.['eks.amazonaws.com/role-arn'];
    expect(roleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    const test3 = pods.items.find((p) => p.metadata.name === 'eks-iam-test3');
    expect(test3?.spec.containers[0].env).toContainEqual({ name: 'AWS_ROLE_ARN', value: roleArn });
  });

  test('lab audit --from a snapshot of it finds only the lessons the lab teaches on purpose, each of them', () => {
    const findings = audit(lab);
    expect(unexpected(findings, toggles).map(nameOf)).toEqual([]);
    expect(lessonsShown(findings, toggles)).toEqual(new Set(HEALTHY_LESSONS));
    expect(addonPodsReachingNodeRole(findings)).toEqual(
      toggles?.imds === ImdsMode.OPEN
        ? Array.from({ length: NODE_POD_CAPACITY.coreDnsPods }, () => 'EKSIMDS3 pod kube-system/coredns-*')
        : [],
    );
  });

  describe.each(Object.values(Drill))('%s', (drill) => {
    const stack = drillStackName(drill);
    const guide = DRILLS[drill];

    test(`${guide.beforeDeploy ? `${guide.beforeDeploy.command}, ` : ''}npx cdk deploy ${stack} -c drill=${drill}${guide.afterDeploy ? `, ${guide.afterDeploy.command}` : ''}`, async () => {
      const outcome = await deployDrill(lab, drill);
      expect(userView(outcome)).toEqual(expectedView(DRILL_STATE[drill]));
      // Only the pods-first drill asks for the stack to go first: it is created again.
      expect(outcome.stacks[stack]).toBe(guide.beforeDeploy ? StackStatus.CREATE_COMPLETE : StackStatus.UPDATE_COMPLETE);
    });

    test("lab audit --from a snapshot of it finds exactly the drill's mistake", () => {
      const findings = unexpected(audit(lab), toggles);
      expect(findings.map(nameOf).sort()).toEqual([...EXPECTED[drill]].sort());
      // A finding that names a drill names this one.
      expect(findings.filter((f) => f.drill !== undefined && f.drill !== drill)).toEqual([]);
    });

    test(`npx cdk deploy ${stack}, back to the healthy lab`, async () => {
      const outcome = await undoDrill(lab, drill);
      expect(userView(outcome)).toEqual(expectedView({ created: BACK[drill] }));
      expect(outcome.stacks[stack]).toBe(StackStatus.UPDATE_COMPLETE);
    });
  });
});

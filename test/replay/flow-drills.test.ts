import { DRILLS, drillStackName } from '../../lib/drills';
import { Drill } from '../../lib/lab-config';
import { StackStatus } from './cloudformation';
import { ALL_PODS, expectedView, podsIn, userView } from './expected-lab';
import { deployDrill, undoDrill } from './drill-steps';
import { Injected, LabReplay } from './lab-replay';

// Each step runs the lab's handlers, with kubectl, as separate processes.
jest.setTimeout(900_000);

const IRSA_PODS = podsIn('irsa');
const POD_IDENTITY_PODS = ['pod-identity/eks-iam-test7', 'pod-identity/eks-iam-test8'];

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

describe('replayed: each drill deployed over the running lab, as `lab drill` says, and back to the healthy lab', () => {
  let lab: LabReplay;
  beforeAll(async () => {
    lab = await LabReplay.start();
  });
  afterAll(async () => lab.stop());

  test('npx cdk deploy --all, the first deploy', async () => {
    expect(userView(await lab.deploy())).toEqual(expectedView({ created: ALL_PODS }));
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

    test(`npx cdk deploy ${stack}, back to the healthy lab`, async () => {
      const outcome = await undoDrill(lab, drill);
      expect(userView(outcome)).toEqual(expectedView({ created: BACK[drill] }));
      expect(outcome.stacks[stack]).toBe(StackStatus.UPDATE_COMPLETE);
    });
  });
});

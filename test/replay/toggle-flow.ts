import { LAB_STACKS } from '../util';
import { StackStatus } from './cloudformation';
import { ALL_PODS, expectedView, podsIn, userView } from './expected-lab';
import { LabReplay } from './lab-replay';

/** One README command over the running lab, and which pods it must create again. */
export interface ToggleStep {
  readonly title: string;
  readonly context: Record<string, string>;
  /** @default - `cdk deploy --all` */
  readonly stacks?: string[];
}

/**
 * Replays toggle steps one after another over one lab, first deployed with the defaults, as a
 * user runs them: each step must leave every stack updated and every pod of the stacks it
 * deploys created again, finished or running, injected as on the healthy lab.
 */
export function replayToggleSteps(title: string, steps: readonly ToggleStep[]): void {
  describe(title, () => {
    let lab: LabReplay;
    beforeAll(async () => {
      lab = await LabReplay.start();
    });
    afterAll(async () => lab.stop());

    test('npx cdk deploy --all, the first deploy', async () => {
      const outcome = await lab.deploy();
      expect(userView(outcome)).toEqual(expectedView({ created: ALL_PODS }));
    });

    test.each(steps)('then $title', async ({ context, stacks }) => {
      const outcome = await lab.deploy(context, { stacks });
      const deployed = stacks ? stacks : LAB_STACKS;
      expect(userView(outcome)).toEqual(expectedView({ created: stacks ? podsIn(...namespacesOf(stacks)) : ALL_PODS }));
      // A stack the toggle leaves unchanged (the cluster stack, for all but imds) keeps its last status.
      const settled = [StackStatus.CREATE_COMPLETE, StackStatus.UPDATE_COMPLETE];
      for (const name of deployed) expect([name, settled.includes(outcome.stacks[name])]).toEqual([name, true]);
    });
  });
}

function namespacesOf(stacks: readonly string[]): string[] {
  const byStack: Record<string, string[]> = {
    'eks-oidc-demo-node-role': ['node-role', 'bystander'],
    'eks-oidc-demo-irsa': ['irsa'],
    'eks-oidc-demo-pod-identity': ['pod-identity'],
  };
  return stacks.flatMap((stack) => byStack[stack] ?? []);
}

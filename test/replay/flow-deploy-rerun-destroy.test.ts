import { ScenarioId } from '../../lib/scenarios';
import { LAB_STACKS } from '../util';
import { StackStatus } from './cloudformation';
import { ALL_PODS, expectedView, userView } from './expected-lab';
import { LabReplay, StepOutcome } from './lab-replay';

// Each step runs the lab's handlers, with kubectl, as separate processes.
jest.setTimeout(600_000);

describe('replayed: npx cdk deploy --all, npm run lab -- rerun node-role, npx cdk destroy --all', () => {
  let lab: LabReplay;
  const steps: StepOutcome[] = [];
  beforeAll(async () => {
    lab = await LabReplay.start();
  });
  afterAll(async () => lab.stop());

  test('the first deploy creates every stack, then every pod, each injected as its scenario says', async () => {
    // WHEN
    const outcome = await lab.deploy();
    steps.push(outcome);

    // THEN
    expect(userView(outcome)).toEqual(expectedView({ created: ALL_PODS }));
    expect(outcome.stacks).toEqual(Object.fromEntries(LAB_STACKS.map((name) => [name, StackStatus.CREATE_COMPLETE])));
  });

  test('lab rerun node-role creates eks-iam-test1 again, and nothing else', async () => {
    // GIVEN the lab as the first deploy left it
    expect(steps).toHaveLength(1);

    // WHEN
    const outcome = await lab.rerun(ScenarioId.NODE_ROLE);

    // THEN
    expect(userView(outcome)).toEqual(expectedView({ created: ['node-role/eks-iam-test1'] }));
  });

  test('cdk destroy --all deletes every stack, and with them every pod and service account of the lab', async () => {
    // WHEN
    const outcome = await lab.destroy();

    // THEN
    expect(outcome.failure).toBeUndefined();
    expect(outcome.stacks).toEqual({});
    expect(outcome.pods).toEqual({});
    const serviceAccounts = lab.snapshot().serviceaccounts.items.map((sa: any) => `${sa.metadata.namespace}/${sa.metadata.name}`);
    expect(serviceAccounts.filter((name: string) => !name.startsWith('kube-system/'))).toEqual([]);
  });
});

import { contextArgs, describeToggles, toggleVariants } from '../../lib/cli/private/e2e-plan';
import { parseLabConfig } from '../../lib/lab-config';
import { LabToggles } from '../../lib/scenarios';
import { CDK_JSON_CONTEXT, LAB_STACKS } from '../util';
import { ALL_PODS, expectedView, userView } from './expected-lab';
import { LabReplay } from './lab-replay';

// Each step runs the lab's handlers, with kubectl, as separate processes; four stacks at once.
jest.setTimeout(900_000);

/** `lab e2e` deploys with `--concurrency 4` (lib/cli/commands/e2e.ts). */
const E2E_CONCURRENCY = 4;

/** The toggles a deploy with cdk.json alone gets, which `lab e2e` reads back from the synthesized assembly. */
const BASE: LabToggles = (({ imds, nodeRoleS3Access }) => ({ imds, nodeRoleS3Access }))(parseLabConfig((key) => CDK_JSON_CONTEXT[key]));

/** `-c key=value` pairs as a context record. */
function asContext(args: string[]): Record<string, string> {
  const context: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const [key, value] = args[i + 1].split('=');
    context[key] = value;
  }
  return context;
}

/**
 * `lab e2e`'s deploys, in its order and at its concurrency: the defaults, then each toggle
 * variant of its plan, then `cdk destroy --all`. Each deploy must leave every pod created again,
 * none left Pending for want of a slot on the node.
 */
describe(`replayed: lab e2e's plan, cdk deploy --all --concurrency ${E2E_CONCURRENCY} for each of its toggle settings, then cdk destroy --all`, () => {
  let lab: LabReplay;
  beforeAll(async () => {
    lab = await LabReplay.start();
  });
  afterAll(async () => lab.stop());

  test('deploy: the defaults', async () => {
    const outcome = await lab.deploy({}, { concurrency: E2E_CONCURRENCY });
    expect(userView(outcome)).toEqual(expectedView({ created: ALL_PODS }));
  });

  test.each(toggleVariants(BASE).map((toggles) => ({ toggles, label: describeToggles(toggles, BASE) })))(
    'deploy $label',
    async ({ toggles }) => {
      const outcome = await lab.deploy(asContext(contextArgs(toggles)), { concurrency: E2E_CONCURRENCY });
      expect(userView(outcome)).toEqual(expectedView({ created: ALL_PODS }));
    },
  );

  test('destroy', async () => {
    const outcome = await lab.destroy();
    expect({ failure: outcome.failure, stacks: outcome.stacks, pods: outcome.pods }).toEqual({ failure: undefined, stacks: {}, pods: {} });
  });
});

/**
 * An account with GuardDuty Runtime Monitoring and automated agent management runs one more
 * DaemonSet pod on every node, `aws-guardduty-agent` in namespace `amazon-guardduty`
 * (the EKS add-on `aws-guardduty-agent`, https://docs.aws.amazon.com/guardduty/latest/ug/how-runtime-monitoring-works-eks.html).
 * The lab must still deploy at the concurrency it uses itself.
 */
describe(`replayed: cdk deploy --all --concurrency ${E2E_CONCURRENCY} on a node that also runs the GuardDuty agent`, () => {
  let lab: LabReplay;
  beforeAll(async () => {
    lab = await LabReplay.start({ extraDaemonSets: ['amazon-guardduty/aws-guardduty-agent'] });
  });
  afterAll(async () => lab.stop());

  test('every stack deploys and every pod runs', async () => {
    const outcome = await lab.deploy({}, { concurrency: E2E_CONCURRENCY });
    expect(userView(outcome)).toEqual(expectedView({ created: ALL_PODS }));
    expect(Object.keys(outcome.stacks).sort()).toEqual([...LAB_STACKS].sort());
  });
});

import { replayToggleSteps } from './toggle-flow';

// Each step runs the lab's handlers, with kubectl, as separate processes.
jest.setTimeout(900_000);

// A new IMDS setting is a new launch template version: the node is replaced, bare pods go with it.
replayToggleSteps('replayed: npx cdk deploy --all -c imds=locked, back, -c imds=leaky, back', [
  { title: 'npx cdk deploy --all -c imds=locked', context: { imds: 'locked' } },
  { title: 'npx cdk deploy --all, back to the defaults', context: {} },
  { title: 'npx cdk deploy --all -c imds=leaky', context: { imds: 'leaky' } },
  { title: 'npx cdk deploy --all, back to the defaults', context: {} },
]);

import { replayToggleSteps } from './toggle-flow';

// Each step runs the lab's handlers, with kubectl, as separate processes.
jest.setTimeout(900_000);

// No new node: the pods of the last deploy are still there, finished or running, when the next one runs them again.
replayToggleSteps('replayed: npx cdk deploy -c nodeRoleS3Access=true and -c awsCliImage=…, each and back', [
  { title: 'npx cdk deploy --all -c nodeRoleS3Access=true', context: { nodeRoleS3Access: 'true' } },
  { title: 'npx cdk deploy --all, back to the defaults', context: {} },
  // The README's tempting fix 1 deploys the node-role stack alone (and the cluster stack it depends on).
  {
    title: 'npx cdk deploy eks-oidc-demo-node-role -c nodeRoleS3Access=true',
    context: { nodeRoleS3Access: 'true' },
    stacks: ['eks-oidc-demo-node-role'],
  },
  { title: 'npx cdk deploy eks-oidc-demo-node-role, back', context: {}, stacks: ['eks-oidc-demo-node-role'] },
  // Any other pinned AWS CLI image; here the post's own, from Docker Hub.
  { title: 'npx cdk deploy --all -c awsCliImage=amazon/aws-cli:2.22.0', context: { awsCliImage: 'amazon/aws-cli:2.22.0' } },
  { title: 'npx cdk deploy --all, back to the defaults', context: {} },
]);

import { agentAddon } from '../../../../lib/cli/rules/pod-identity/agent-addon';
import { healthySnapshot, modelOf } from '../support/snapshot';

describe(agentAddon.id, () => {
  test('is silent when the agent add-on is installed', () => {
    expect(agentAddon.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('fails associations without the agent', () => {
    const snapshot = healthySnapshot();
    snapshot.addons = { addons: ['vpc-cni'] };
    expect(agentAddon.evaluate(modelOf(snapshot))).toEqual([expect.objectContaining({ expected: 'eks-pod-identity-agent' })]);
  });

  test('is silent without associations, even without the agent', () => {
    const snapshot = healthySnapshot();
    snapshot.addons = { addons: [] };
    snapshot.associations = [];
    expect(agentAddon.evaluate(modelOf(snapshot))).toEqual([]);
  });
});

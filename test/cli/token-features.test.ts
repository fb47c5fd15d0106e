import { tokenSources } from '../../lib/cli/commands/token';
import { ScenarioId } from '../../lib/scenarios';

describe('lab token: the Pod Identity feature scenarios', () => {
  test.each([ScenarioId.ABAC_TEAM_A, ScenarioId.ABAC_TEAM_B, ScenarioId.ROLE_CHAINING, ScenarioId.SESSION_POLICY])(
    'fails for %s, whose pods all end, and points to the pod-identity sleep pod',
    (id) => {
      expect(() => tokenSources(id)).toThrow(`The ${id} pods all run once and end, so none is left to read a token from`);
      expect(() => tokenSources(id)).toThrow('`npm run lab -- token pod-identity`');
    },
  );
});

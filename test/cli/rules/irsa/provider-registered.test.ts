import { providerRegistered } from '../../../../lib/cli/rules/irsa/provider-registered';
import { PROVIDER_ARN, healthySnapshot, modelOf } from '../support/snapshot';

describe(providerRegistered.id, () => {
  test('is silent when the provider lists sts.amazonaws.com', () => {
    expect(providerRegistered.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('fails a missing provider with the STS error users see', () => {
    const snapshot = healthySnapshot();
    snapshot.providers = {};
    expect(providerRegistered.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        drill: 'irsa-no-oidc-provider',
        message: expect.stringMatching(/No OpenIDConnect provider found in your account/),
      }),
    ]);
  });

  test('fails a provider without the client id', () => {
    const snapshot = healthySnapshot();
    snapshot.providers[PROVIDER_ARN].ClientIDList = ['sts.amazon.com'];
    expect(providerRegistered.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        drill: 'irsa-client-id-typo',
        expected: 'sts.amazonaws.com',
        message: expect.stringMatching(/Incorrect token audience/),
      }),
    ]);
  });

  test('is not verifiable without oidc-providers.json', () => {
    const snapshot = healthySnapshot();
    delete snapshot.providers;
    expect(providerRegistered.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ verifiable: false, message: 'not verifiable: oidc-providers.json is not in the snapshot' }),
    ]);
  });
});

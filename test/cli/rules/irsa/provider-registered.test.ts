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
        message: expect.stringMatching(/No OpenIDConnect provider found in your account"\.$/),
      }),
    ]);
  });

  test("names the providers of other issuers on the same host as the nearest miss: another cluster's", () => {
    const snapshot = healthySnapshot();
    const other = PROVIDER_ARN.replace(/id\/\w+$/, 'id/0000000000000000000000000000000A');
    snapshot.providers = { [other]: { ...snapshot.providers[PROVIDER_ARN], Url: other.replace(/^.*:oidc-provider\//, '') } };
    expect(providerRegistered.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(
          /No OpenIDConnect provider found in your account"\. IAM registers other issuers of oidc\.eks\.[\w-]+\.amazonaws\.com: https:\/\/oidc\.eks\.[\w-]+\.amazonaws\.com\/id\/0{31}A; each cluster has an issuer of its own\.$/,
        ),
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
        message: expect.stringMatching(
          /lists client ids \[sts\.amazon\.com\] \('sts\.amazon\.com' is the common typo of 'sts\.amazonaws\.com'\), not sts\.amazonaws\.com .*Incorrect token audience/,
        ),
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

import { sdkTooOld } from '../../../../lib/cli/rules/sdk/sdk-too-old';
import { healthySnapshot, modelOf } from '../support/snapshot';

describe(sdkTooOld.id, () => {
  test('is silent for CLIs new enough for their credentials', () => {
    expect(sdkTooOld.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names a Pod Identity pod whose CLI predates Pod Identity', () => {
    const snapshot = healthySnapshot();
    snapshot.pods.items[1].spec.containers[0].image = 'public.ecr.aws/aws-cli/aws-cli:2.14.6';
    expect(sdkTooOld.evaluate(modelOf(snapshot))).toEqual([
      expect.objectContaining({ subject: 'pod shop/api-5c8b', expected: 'AWS CLI 2.15.0 or later', mechanism: 'EKS Pod Identity' }),
    ]);
  });

  test('is silent for the same old CLI under IRSA, which it supports', () => {
    const snapshot = healthySnapshot();
    snapshot.pods.items[0].spec.containers[0].image = 'public.ecr.aws/aws-cli/aws-cli:2.14.6';
    expect(sdkTooOld.evaluate(modelOf(snapshot))).toEqual([]);
  });
});

import { podPredatesConfiguration } from '../../../../lib/cli/rules/credentials/pod-predates-configuration';
import { healthySnapshot, modelOf, pod } from '../support/snapshot';

describe(podPredatesConfiguration.id, () => {
  test('is silent when every pod got what its service account is configured for', () => {
    expect(podPredatesConfiguration.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('names a pod created before its association, and what it gets instead', () => {
    // GIVEN the Pod Identity pod was created without the webhook's env, on a node open to IMDS
    const snapshot = healthySnapshot();
    snapshot.pods.items[1] = {
      ...pod('shop', 'api-5c8b', 'api'),
      metadata: { namespace: 'shop', name: 'api-5c8b', creationTimestamp: '2026-11-01T09:59:00Z' },
    };
    snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpPutResponseHopLimit = 2;
    // WHEN
    const [found, ...rest] = podPredatesConfiguration.evaluate(modelOf(snapshot));
    // THEN
    expect(rest).toEqual([]);
    expect(found).toMatchObject({
      subject: 'pod shop/api-5c8b',
      mechanism: 'IMDS (node role)',
      drill: 'pod-identity-pods-first',
      field: 'pod env',
    });
    expect(found.message).toMatch(/created before \(pod created 2026-11-01T09:59:00Z, association 2026-11-01T10:00:00Z\)/);
    expect(found.message).toMatch(/the node role through IMDS/);
  });

  test('names a pod created before its IRSA annotation', () => {
    const snapshot = healthySnapshot();
    snapshot.pods.items[0] = pod('web', 'reports-7d9f', 'reports');
    const [found] = podPredatesConfiguration.evaluate(modelOf(snapshot));
    expect(found).toMatchObject({ subject: 'pod web/reports-7d9f', expected: expect.stringContaining('AWS_ROLE_ARN') });
  });
});

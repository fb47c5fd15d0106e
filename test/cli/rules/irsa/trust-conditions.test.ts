import { trustConditions } from '../../../../lib/cli/rules/irsa/trust-conditions';
import { IRSA_ROLE_ARN, ISSUER_HOST_PATH, healthySnapshot, irsaTrust, modelOf, role } from '../support/snapshot';

function withTrust(trust: Record<string, unknown>) {
  const snapshot = healthySnapshot();
  snapshot.roles[0] = role(IRSA_ROLE_ARN, trust);
  return trustConditions.evaluate(modelOf(snapshot));
}

describe(trustConditions.id, () => {
  test('is silent when sub and aud match under StringEquals', () => {
    expect(trustConditions.evaluate(modelOf(healthySnapshot()))).toEqual([]);
  });

  test('is silent for a StringLike pattern that matches (the over-broad rule judges its breadth)', () => {
    expect(withTrust(irsaTrust('system:serviceaccount:web:*', 'StringLike'))).toEqual([]);
  });

  test('a wildcard under StringEquals never matches, and says so', () => {
    const [found] = withTrust(irsaTrust('system:serviceaccount:web:*'));
    expect(found.message).toMatch(/'system:serviceaccount:web:\*' would match as a pattern, but StringEquals compares literally/);
  });

  test('the wrong namespace is named as the part of sub that differs', () => {
    const [found] = withTrust(irsaTrust('system:serviceaccount:default:reports'));
    expect(found).toMatchObject({ drill: 'irsa-wrong-namespace', expected: `${ISSUER_HOST_PATH}:sub = system:serviceaccount:web:reports` });
    expect(found.message).toMatch(/: it names namespace 'default', where the service account is in 'web'\. STS answers AccessDenied/);
  });

  test('the wrong service account name, and both parts wrong, are named too', () => {
    expect(withTrust(irsaTrust('system:serviceaccount:web:report'))[0].message).toMatch(
      /: it names service account 'report', where the pods run as 'reports'\. STS/,
    );
    expect(withTrust(irsaTrust('system:serviceaccount:default:report'))[0].message).toMatch(
      /: it names namespace 'default', where the service account is in 'web', and service account 'report', where the pods run as 'reports'\. STS/,
    );
  });

  test('a sub that differs in case alone is explained from the nearest value', () => {
    expect(withTrust(irsaTrust('system:serviceaccount:Web:reports'))[0].message).toMatch(
      /'system:serviceaccount:Web:reports' differs from 'system:serviceaccount:web:reports' only in case/,
    );
  });

  test('a sub that is not system:serviceaccount:<namespace>:<name> is explained from the nearest value', () => {
    expect(withTrust(irsaTrust('system:serviceaccounts:web'))[0].message).toMatch(
      /the nearest value 'system:serviceaccounts:web' differs from 'system:serviceaccount:web:reports' from character 22/,
    );
  });

  test('the audience typo is named', () => {
    const trust = irsaTrust() as any;
    trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST_PATH}:aud`] = 'sts.amazon.com';
    const [found] = withTrust(trust);
    expect(found).toMatchObject({ drill: 'irsa-aud-typo' });
    expect(found.message).toMatch(/'sts\.amazon\.com' is the common typo of 'sts\.amazonaws\.com'/);
  });

  test('a key built from the provider ARN never matches', () => {
    const trust = irsaTrust() as any;
    const conditions = trust.Statement[0].Condition.StringEquals;
    trust.Statement[0].Condition.StringEquals = {
      [`arn:aws:iam::111122223333:oidc-provider/${ISSUER_HOST_PATH}:sub`]: conditions[`${ISSUER_HOST_PATH}:sub`],
      [`${ISSUER_HOST_PATH}:aud`]: 'sts.amazonaws.com',
    };
    expect(withTrust(trust)[0].message).toMatch(/carries the provider ARN/);
  });

  test('a condition the audit does not model is not verifiable, not wrong', () => {
    const trust = irsaTrust() as any;
    trust.Statement[0].Condition.StringEquals['aws:SourceIp'] = '203.0.113.0/24';
    expect(withTrust(trust)).toEqual([expect.objectContaining({ verifiable: false })]);
  });
});

import { IntrinsicResolver, PLACEHOLDER_ISSUER, referencedLogicalIds } from '../../lib/cli/private/intrinsics';

describe('intrinsic resolver', () => {
  const resources = {
    Provider: {
      Type: 'AWS::IAM::OIDCProvider',
      Properties: { Url: { 'Fn::ImportValue': 'eks-oidc-demo-OidcIssuerUrl' }, ClientIdList: ['sts.amazonaws.com'] },
    },
    Conditions: {
      Type: 'Custom::AWSCDKCfnJson',
      Properties: {
        Value: {
          'Fn::Join': [
            '',
            [
              '{"',
              { 'Fn::Select': [1, { 'Fn::Split': [':oidc-provider/', { Ref: 'Provider' }] }] },
              ':sub":"system:serviceaccount:irsa:eks-iam-test"}',
            ],
          ],
        },
      },
    },
    Role: { Type: 'AWS::IAM::Role', Properties: {} },
  };
  const resolver = new IntrinsicResolver(resources);
  const hostPath = PLACEHOLDER_ISSUER.replace('https://', '');

  test("resolves a CfnJson trust condition built from the OIDC provider's ARN", () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Conditions', 'Value'] })).toEqual({
      [`${hostPath}:sub`]: 'system:serviceaccount:irsa:eks-iam-test',
    });
  });

  test('turns what only CloudFormation knows into placeholders', () => {
    expect(resolver.resolve({ 'Fn::GetAtt': ['Role', 'Arn'] })).toBe('${Role.Arn}');
    expect(resolver.resolve({ Ref: 'Role' })).toBe('${Role}');
    expect(resolver.resolve({ 'Fn::ImportValue': 'eks-oidc-demo-NodeRoleArn' })).toBe('${Import:eks-oidc-demo-NodeRoleArn}');
    expect(resolver.resolve({ 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${Role}' })).toBe(
      'arn:aws:iam::${AWS::AccountId}:role/${Role}',
    );
  });

  test('finds implicit dependencies in Ref, GetAtt and Sub', () => {
    expect(
      [
        ...referencedLogicalIds({
          a: { Ref: 'Role' },
          b: [{ 'Fn::GetAtt': ['Conditions', 'Value'] }],
          c: { 'Fn::Sub': '${Provider.Arn}-${AWS::Region}' },
          d: { Ref: 'AWS::Partition' },
        }),
      ].sort(),
    ).toEqual(['Conditions', 'Provider', 'Role']);
  });
});

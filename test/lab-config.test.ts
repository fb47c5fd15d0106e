import { DEFAULT_AWS_CLI_IMAGE, GithubOidcProviderMode, ImdsMode, parseLabConfig } from '../lib/lab-config';

const from = (context: Record<string, unknown>) => parseLabConfig((key) => context[key]);

describe('parseLabConfig', () => {
  test('defaults: pinned image, no S3 on the node role, IMDS open', () => {
    expect(from({})).toEqual({ awsCliImage: DEFAULT_AWS_CLI_IMAGE, nodeRoleS3Access: false, imds: ImdsMode.OPEN });
    expect(DEFAULT_AWS_CLI_IMAGE).toMatch(/^amazon\/aws-cli:\d+\.\d+\.\d+$/);
  });

  test.each([
    [true, true],
    ['true', true],
    [false, false],
    ['false', false],
  ])('nodeRoleS3Access %p from cdk.json or -c parses to %p', (value, expected) => {
    expect(from({ nodeRoleS3Access: value }).nodeRoleS3Access).toBe(expected);
  });

  test.each([
    ['open', ImdsMode.OPEN],
    ['locked', ImdsMode.LOCKED],
  ])('imds %p parses to %p', (value, expected) => {
    expect(from({ imds: value }).imds).toBe(expected);
  });

  test('an overridden image tag is kept', () => {
    expect(from({ awsCliImage: 'amazon/aws-cli:2.27.0' }).awsCliImage).toBe('amazon/aws-cli:2.27.0');
  });

  test.each([
    ['nodeRoleS3Access', 'yes', /'nodeRoleS3Access': got "yes", expected true\|false/],
    ['nodeRoleS3Access', 1, /'nodeRoleS3Access': got 1, expected true\|false/],
    ['imds', 'closed', /'imds': got "closed", expected open\|locked/],
    ['imds', 'OPEN', /'imds': got "OPEN", expected open\|locked/],
    ['awsCliImage', 'amazon/aws-cli:latest', /'awsCliImage': got "amazon\/aws-cli:latest", expected amazon\/aws-cli:<pinned tag/],
    ['awsCliImage', 'busybox:1.36', /'awsCliImage': got "busybox:1.36"/],
  ])('fails on %s=%p, naming the key, the value and what it accepts', (key, value, message) => {
    expect(() => from({ [key]: value })).toThrow(message);
  });

  describe('CI access', () => {
    test('is off unless ciAccessRepository is set', () => {
      expect(from({}).ciAccess).toBeUndefined();
    });

    test.each([
      [
        { ciAccessRepository: 'octo-org/octo-repo' },
        { repository: 'octo-org/octo-repo', branch: 'main', provider: GithubOidcProviderMode.CREATE },
      ],
      [
        { ciAccessRepository: 'Octo-Org/octo.repo_2', ciAccessBranch: 'release/1.x', ciAccessProvider: 'existing' },
        { repository: 'Octo-Org/octo.repo_2', branch: 'release/1.x', provider: GithubOidcProviderMode.EXISTING },
      ],
    ])('parses %p', (context, expected) => {
      expect(from(context).ciAccess).toEqual(expected);
    });

    test.each([
      ['ciAccessRepository', 'octo-org/*', /'ciAccessRepository': got "octo-org\/\*", expected <owner>\/<repository> without wildcards/],
      ['ciAccessRepository', '*', /'ciAccessRepository': got "\*"/],
      ['ciAccessRepository', 'octo-repo', /'ciAccessRepository': got "octo-repo", expected <owner>\/<repository>/],
      ['ciAccessRepository', 'octo-org/octo-repo/extra', /'ciAccessRepository': got "octo-org\/octo-repo\/extra"/],
      ['ciAccessRepository', '-octo/octo-repo', /'ciAccessRepository': got "-octo\/octo-repo"/],
      ['ciAccessRepository', 'octo-org/..', /'ciAccessRepository': got "octo-org\/\.\."/],
      ['ciAccessRepository', true, /'ciAccessRepository': got true/],
      ['ciAccessBranch', 'feature/*', /'ciAccessBranch': got "feature\/\*", expected a branch name without wildcards or refs\/heads\//],
      ['ciAccessBranch', 'refs/heads/main', /'ciAccessBranch': got "refs\/heads\/main"/],
      ['ciAccessBranch', 'a..b', /'ciAccessBranch': got "a\.\.b"/],
      ['ciAccessBranch', 'main ', /'ciAccessBranch': got "main "/],
      ['ciAccessProvider', 'import', /'ciAccessProvider': got "import", expected create\|existing/],
    ])('fails on %s=%p, naming the key, the value and what it accepts', (key, value, message) => {
      expect(() => from({ ciAccessRepository: 'octo-org/octo-repo', [key]: value })).toThrow(message);
    });

    test.each([
      ['ciAccessBranch', 'main'],
      ['ciAccessProvider', 'existing'],
    ])('fails on %s without ciAccessRepository, rather than silently building no stack', (key, value) => {
      expect(() => from({ [key]: value })).toThrow(
        new RegExp(`'${key}': got "${value}", expected no value unless ciAccessRepository is set`),
      );
    });
  });
});

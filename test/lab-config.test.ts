import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_AWS_CLI_IMAGE, Drill, GithubOidcProviderMode, ImdsMode, assertKnownContextKeys, parseLabConfig } from '../lib/lab-config';

const from = (context: Record<string, unknown>) => parseLabConfig((key) => context[key]);

describe('parseLabConfig', () => {
  test('defaults: pinned image, no S3 on the node role, IMDS open', () => {
    expect(from({})).toEqual({ awsCliImage: DEFAULT_AWS_CLI_IMAGE, nodeRoleS3Access: false, imds: ImdsMode.OPEN });
    // ECR Public, not Docker Hub and its anonymous-pull rate limits.
    expect(DEFAULT_AWS_CLI_IMAGE).toMatch(/^public\.ecr\.aws\/aws-cli\/aws-cli:\d+\.\d+\.\d+$/);
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
    ['leaky', ImdsMode.LEAKY],
  ])('imds %p parses to %p', (value, expected) => {
    expect(from({ imds: value }).imds).toBe(expected);
  });

  test.each(['public.ecr.aws/aws-cli/aws-cli:2.27.0', 'amazon/aws-cli:2.27.0'])('an overridden image %p is kept', (image) => {
    expect(from({ awsCliImage: image }).awsCliImage).toBe(image);
  });

  test.each([
    ['nodeRoleS3Access', 'yes', /'nodeRoleS3Access': got "yes", expected true\|false/],
    ['nodeRoleS3Access', 1, /'nodeRoleS3Access': got 1, expected true\|false/],
    ['imds', 'closed', /'imds': got "closed", expected open\|locked\|leaky/],
    ['imds', 'OPEN', /'imds': got "OPEN", expected open\|locked\|leaky/],
    [
      'awsCliImage',
      'amazon/aws-cli:latest',
      /'awsCliImage': got "amazon\/aws-cli:latest", expected public\.ecr\.aws\/aws-cli\/aws-cli:<tag> or amazon\/aws-cli:<tag>, pinned/,
    ],
    ['awsCliImage', 'public.ecr.aws/aws-cli/aws-cli:latest', /'awsCliImage': got "public.ecr.aws\/aws-cli\/aws-cli:latest"/],
    ['awsCliImage', 'public.ecr.aws/aws-cli/aws-cli', /'awsCliImage': got "public.ecr.aws\/aws-cli\/aws-cli"/],
    ['awsCliImage', 'public.ecr.aws/other/aws-cli:2.22.0', /'awsCliImage': got "public.ecr.aws\/other\/aws-cli:2.22.0"/],
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

describe('the drill context key', () => {
  test('is unset by default: no drill', () => {
    expect(from({}).drill).toBeUndefined();
  });

  test.each(Object.values(Drill))('%s parses to its drill', (name) => {
    expect(from({ drill: name }).drill).toBe(name);
  });

  test.each(['irsa', 'IRSA-AUD-TYPO', '', true])('fails on drill=%p, listing every drill', (value) => {
    const allowed = Object.values(Drill).join('|');
    expect(() => from({ drill: value })).toThrow(`Invalid context value for 'drill': got ${JSON.stringify(value)}, expected ${allowed}.`);
    expect(allowed.split('|')).toHaveLength(7);
  });
});

describe('assertKnownContextKeys', () => {
  test.each([
    ['imd', 'locked', "Unknown context key 'imd' (got \"locked\"): did you mean 'imds'?"],
    ['nodeRoleS3access', 'true', "Unknown context key 'nodeRoleS3access' (got \"true\"): did you mean 'nodeRoleS3Access'?"],
    ['dril', 'irsa-aud-typo', "Unknown context key 'dril' (got \"irsa-aud-typo\"): did you mean 'drill'?"],
    ['ciAccessRepo', 'octo-org/octo-repo', "did you mean 'ciAccessRepository'?"],
  ])('fails on the misspelled key %s, naming the nearest key the lab reads', (key, value, message) => {
    expect(() => assertKnownContextKeys({ [key]: value })).toThrow(message);
  });

  test('fails on a key like no other, listing every key the lab reads', () => {
    expect(() => assertKnownContextKeys({ cluster: 'prod' })).toThrow(
      'Unknown context key \'cluster\' (got "prod"). The lab reads awsCliImage, nodeRoleS3Access, imds, drill, ciAccessRepository, ciAccessBranch, ciAccessProvider.',
    );
  });

  test("accepts the lab's keys and the CDK's own: cdk.json's feature flags, the CLI's settings and cached lookups", () => {
    const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')).context;
    expect(() =>
      assertKnownContextKeys({
        ...cdkJson,
        imds: 'locked',
        nodeRoleS3Access: 'true',
        drill: 'irsa-aud-typo',
        'aws:cdk:enable-path-metadata': true,
        'availability-zones:account=123456789012:region=us-east-2': ['us-east-2a'],
        'acknowledged-issue-numbers': [],
      }),
    ).not.toThrow();
  });
});

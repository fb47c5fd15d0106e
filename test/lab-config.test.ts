import { DEFAULT_AWS_CLI_IMAGE, Drill, ImdsMode, parseLabConfig } from '../lib/lab-config';

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

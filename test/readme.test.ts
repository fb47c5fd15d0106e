import * as fs from 'node:fs';
import * as path from 'node:path';
import { Drill } from '../lib/lab-config';
import { currentSamples, withCurrentDrills, withCurrentOutcomes, withCurrentSamples } from '../scripts/readme';
import { synthLab } from './cli/support/assembly';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
const contributing = fs.readFileSync(path.join(__dirname, '..', 'CONTRIBUTING.md'), 'utf8');

describe('README.md', () => {
  test('shows the expected-outcome table exactly as lib/scenarios.ts defines it (run `npm run readme` if not)', () => {
    expect(readme).toBe(withCurrentOutcomes(readme));
    expect(readme).toContain('| node-role | defaults | `eks-iam-test1` | Failed |');
  });

  test('asks about every drill and folds each answer, exactly as lib/scenarios.ts and lib/drills.ts define them (run `npm run readme` if not)', () => {
    expect(readme).toBe(withCurrentDrills(readme));
    for (const drill of Object.values(Drill)) expect(readme).toContain(`#### \`${drill}\``);
    expect(readme.match(/<details>\n<summary>Answer<\/summary>/g)).toHaveLength(Object.values(Drill).length);
    // The section ends with the way back.
    expect(readme.indexOf('### Back to the healthy lab')).toBeGreaterThan(readme.indexOf('<!-- drills:end -->'));
  });

  test.each([
    'npm ci',
    'npx cdk deploy --all',
    'npm run lab -- kubeconfig',
    'kubectl get pod -n node-role',
    'kubectl logs',
    'npx cdk destroy --all',
    'npm test',
  ])('tells a newcomer to run `%s`', (command) => {
    expect(readme).toContain(command);
  });

  test('shows every sample output and cost figure as the commands print them today (run `npm run readme` if not)', async () => {
    const samples = await currentSamples(await synthLab(), await synthLab({ drill: Drill.IRSA_AUD_TYPO }));
    expect(readme).toBe(withCurrentSamples(readme, samples));
    expect(samples['doctor-offline']).toMatch(/No problems found \(\d+ checks\)/);
  }, 120_000);

  test('says on its first screen what the lab costs, that EKS is not free tier, how long the deploy takes, and how to start', () => {
    const firstScreen = readme.split('\n').slice(0, 40).join('\n');
    expect(firstScreen).toMatch(/USD an hour, [\d.]+ USD a day/);
    expect(firstScreen).toContain('not in the AWS Free Tier');
    expect(firstScreen).toMatch(/deploy takes \*\*about 20 minutes\*\*/);
    const quickStart = /## Quick start\n\n```bash\n([\s\S]*?)```/.exec(firstScreen)![1].trim().split('\n');
    expect(quickStart.length).toBeLessThanOrEqual(5);
    const text = quickStart.join('\n');
    // The lab is priced before anything is deployed, and destroyed at the end.
    expect(text.indexOf('npm run lab -- cost')).toBeGreaterThan(-1);
    expect(text.indexOf('npm run lab -- cost')).toBeLessThan(text.indexOf('npx cdk deploy --all'));
    expect(quickStart[quickStart.length - 1]).toMatch(/^npx cdk destroy --all/);
  });

  test('has each section once, and leaves tests, CI, layout and design notes to CONTRIBUTING.md', () => {
    const headings = readme.split('\n').filter((line) => /^#{1,3} /.test(line));
    expect(new Set(headings).size).toBe(headings.length);
    expect(readme.match(/^npx cdk destroy --all/gm)).toHaveLength(1);
    for (const heading of ['## Tests', '## Design notes', '## Layout', '## The end-to-end test from GitHub Actions']) {
      expect(headings).not.toContain(heading);
      expect(contributing).toContain(`\n${heading}\n`);
    }
  });

  test('says how the deploy asks for approval, how to skip it and what that gives up, and how to see a change first', () => {
    expect(readme).toContain('--require-approval broadening');
    expect(readme).toContain('npx cdk deploy --all --require-approval never');
    expect(readme).toMatch(/no longer see\s+the IAM changes/);
    expect(readme).toContain('npx cdk diff eks-oidc-demo -c imds=locked');
  });

  test.each([
    ['a missing bootstrap', /cdk bootstrap aws:\/\/<account>\/us-east-2/],
    ['an approval prompt left waiting', /Do you wish to deploy these changes/],
    ['EntityAlreadyExists on the OIDC provider', /EntityAlreadyExists/],
    ['a rolled-back stack', /ROLLBACK_COMPLETE/],
    ['UPDATE_ROLLBACK_FAILED', /continue-update-rollback/],
    ["IAM's eventual consistency", /eventually consistent/],
  ])('troubleshoots %s', (_what, pattern) => {
    const troubleshooting = readme.slice(readme.indexOf('## Troubleshooting'));
    expect(troubleshooting.slice(0, troubleshooting.indexOf('\n## ', 5))).toMatch(pattern);
  });

  test('documents every environment variable the CLI reads', () => {
    const source = fs
      .readdirSync(path.join(__dirname, '..', 'lib', 'cli'), { recursive: true })
      .filter((file) => String(file).endsWith('.ts'))
      .map((file) => fs.readFileSync(path.join(__dirname, '..', 'lib', 'cli', String(file)), 'utf8'))
      .join('\n');
    const read = new Set([...source.matchAll(/(?:env|process\.env)\.([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]));
    // HOME only locates ~/.kube/config, as it does for kubectl.
    read.delete('HOME');
    expect(read.size).toBeGreaterThan(0);
    for (const variable of read) expect(readme).toContain(`\`${variable}\``);
  });

  test.each(['README.md', 'CONTRIBUTING.md', 'docs/end-to-end.md'])('%s links only to files and headings that exist', (file) => {
    const root = path.join(__dirname, '..');
    const anchorsOf = (target: string) =>
      fs
        .readFileSync(target, 'utf8')
        .split('\n')
        .filter((line) => /^#+ /.test(line))
        // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
        .map((line) =>
          line
            .replace(/^#+ /, '')
            .trim()
            .toLowerCase()
            .replace(/[^\w\- ]/g, '')
            .replace(/ /g, '-'),
        );
    const source = path.join(root, file);
    for (const [, link] of fs.readFileSync(source, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^https?:/.test(link)) continue;
      const [target, anchor] = link.split('#');
      const targetPath = target ? path.join(path.dirname(source), target) : source;
      expect({ link, exists: fs.existsSync(targetPath) }).toEqual({ link, exists: true });
      if (anchor && targetPath.endsWith('.md'))
        expect({ link, anchors: anchorsOf(targetPath) }).toEqual({ link, anchors: expect.arrayContaining([anchor]) });
    }
  });

  test('.ci/run installs cleanly and then runs the README test command', () => {
    const ci = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(ci.indexOf('npm ci')).toBeGreaterThan(-1);
    expect(ci.indexOf('npm test')).toBeGreaterThan(ci.indexOf('npm ci'));
    expect(ci).toContain('AWS_EC2_METADATA_DISABLED=true');
  });
});

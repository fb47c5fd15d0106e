import * as fs from 'node:fs';
import * as path from 'node:path';
import { Drill } from '../lib/lab-config';
import { withCurrentDrills, withCurrentOutcomes } from '../scripts/readme';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

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
    'aws eks update-kubeconfig',
    'kubectl get pod -n node-role',
    'kubectl logs',
    'npx cdk destroy --all',
    'npm test',
  ])('tells a newcomer to run `%s`', (command) => {
    expect(readme).toContain(command);
  });

  test('.ci/run installs cleanly and then runs the README test command', () => {
    const ci = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
    expect(ci.indexOf('npm ci')).toBeGreaterThan(-1);
    expect(ci.indexOf('npm test')).toBeGreaterThan(ci.indexOf('npm ci'));
    expect(ci).toContain('AWS_EC2_METADATA_DISABLED=true');
  });
});

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { rememberToggles } from '../lib/remembered-toggles';

/** A fresh project directory's cdk.context.json path, optionally with content. */
function contextFile(content?: Record<string, unknown>): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lab-context-')), 'cdk.context.json');
  if (content) fs.writeFileSync(file, JSON.stringify(content));
  return file;
}

const stored = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

describe('rememberToggles', () => {
  test('with no toggle set, writes nothing and says nothing', () => {
    const file = contextFile();
    expect(rememberToggles({}, file)).toEqual([]);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('remembers a toggle given with -c, and says that the node will be replaced', () => {
    // GIVEN `npx cdk deploy --all -c imds=locked` in a fresh clone
    const file = contextFile();
    // WHEN the app reads the context
    const lines = rememberToggles({ imds: 'locked' }, file);
    // THEN cdk.context.json keeps it, and the user reads what it will do before the deploy starts
    expect(stored(file)).toEqual({ imds: 'locked' });
    expect(lines[0]).toBe(
      'imds=locked is remembered in ' +
        file +
        ': later deploys keep it until you pass -c imds=<another value> (`npx cdk context --reset imds` forgets it).',
    );
    expect(lines[1]).toMatch(
      /^imds goes from open to locked\. If the lab is deployed, the next deploy of the eks-oidc-demo stack .* EKS replaces the node/,
    );
    expect(lines[1]).toContain('`npx cdk diff eks-oidc-demo`');
  });

  test('a later deploy without -c keeps the remembered toggle, and says so without a node warning', () => {
    // GIVEN imds=locked remembered by an earlier deploy; the CDK CLI passes the file's values as context
    const file = contextFile({ imds: 'locked', 'acknowledged-issue-numbers': [1234] });
    // WHEN `npx cdk deploy eks-oidc-demo-irsa -c drill=irsa-aud-typo` runs
    const lines = rememberToggles({ imds: 'locked', drill: 'irsa-aud-typo', 'acknowledged-issue-numbers': [1234] }, file);
    // THEN nothing changes, and the drill is not remembered
    expect(lines).toEqual([`Toggles remembered in ${file}: imds=locked.`]);
    expect(stored(file)).toEqual({ imds: 'locked', 'acknowledged-issue-numbers': [1234] });
  });

  test('changing a remembered toggle back keeps the CLI’s own keys and warns about the node again', () => {
    const file = contextFile({ imds: 'locked', nodeRoleS3Access: true, 'acknowledged-issue-numbers': [1234] });
    const lines = rememberToggles({ imds: 'open', nodeRoleS3Access: true }, file);
    expect(stored(file)).toEqual({ imds: 'open', nodeRoleS3Access: true, 'acknowledged-issue-numbers': [1234] });
    expect(lines).toEqual([
      expect.stringMatching(/^imds=open is remembered/),
      expect.stringMatching(/^imds goes from locked to open\./),
      `Toggles remembered in ${file}: nodeRoleS3Access=true.`,
    ]);
  });

  test('a toggle that does not touch the launch template is remembered without a node warning', () => {
    const file = contextFile();
    const lines = rememberToggles({ nodeRoleS3Access: 'true' }, file);
    // `-c key=true` arrives as a string; the file keeps the parsed boolean.
    expect(stored(file)).toEqual({ nodeRoleS3Access: true });
    expect(lines).toEqual([expect.stringMatching(/^nodeRoleS3Access=true is remembered/)]);
  });

  test('fails on a bad value before writing anything', () => {
    const file = contextFile();
    expect(() => rememberToggles({ imds: 'closed' }, file)).toThrow(/'imds': got "closed", expected open\|locked\|leaky/);
    expect(fs.existsSync(file)).toBe(false);
  });

  test('fails on a cdk.context.json that is not a JSON object, naming it', () => {
    const file = contextFile();
    fs.writeFileSync(file, '[1, 2');
    expect(() => rememberToggles({ imds: 'locked' }, file)).toThrow(`${file} is not a JSON object.`);
  });
});

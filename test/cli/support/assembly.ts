import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOGGLES_METADATA_KEY } from '../../../lib/lab-names';
import { LabToggles } from '../../../lib/scenarios';
import { synthesizedLab } from '../../util';

/**
 * The real lab as `npx cdk synth` writes it with cdk.json plus these `-c` values, and no account.
 * Synthesized once per test run and shared by every test file: copy it (copyAssembly) to break it.
 */
export async function synthLab(context: Record<string, unknown> = {}): Promise<string> {
  return (await synthesizedLab({ context, noAccount: true })).directory;
}

/** Copies the manifest and templates (not the assets) of an assembly, to break the copy. */
export function copyAssembly(dir: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'lab-asm-copy-'));
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.json'))) copyFileSync(join(dir, file), join(copy, file));
  return copy;
}

/** Edits one stack's template of an assembly in place: as parsed JSON, or as text. */
export function editTemplate(dir: string, stackName: string, edit: (template: any) => any): void {
  const path = join(dir, `${stackName}.template.json`);
  const edited = edit(JSON.parse(readFileSync(path, 'utf8')));
  writeFileSync(path, JSON.stringify(edited, null, 1));
}

/** Drops a stack from an assembly's manifest, as if it had not been synthesized. */
export function removeStack(dir: string, stackName: string): void {
  const path = join(dir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  if (!manifest.artifacts[stackName]) throw new Error(`${stackName} is not in the assembly`);
  delete manifest.artifacts[stackName];
  writeFileSync(path, JSON.stringify(manifest));
}

/** Edits one stack's template as text, failing if the text to replace is not there. */
export function replaceInTemplate(dir: string, stackName: string, from: string | RegExp, to: string): void {
  const path = join(dir, `${stackName}.template.json`);
  const text = readFileSync(path, 'utf8');
  const edited = text.replace(typeof from === 'string' ? new RegExp(escape(from), 'g') : from, to);
  if (edited === text) throw new Error(`${String(from)} is not in ${stackName}: the fixture no longer matches the template`);
  writeFileSync(path, edited);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Writes a hand-made assembly of the given templates. */
export function writeAssembly(templates: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'lab-asm-small-'));
  const artifacts: Record<string, unknown> = {};
  for (const [name, template] of Object.entries(templates)) {
    writeFileSync(join(dir, `${name}.template.json`), JSON.stringify(template));
    artifacts[name] = { type: 'aws:cloudformation:stack', properties: { templateFile: `${name}.template.json` } };
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '48.0.0', artifacts }));
  return dir;
}

/** An assembly holding only the node-role stack's toggles, for the commands that read nothing else. */
export function togglesAssembly(toggles: LabToggles): string {
  return writeAssembly({ 'eks-oidc-demo-node-role': { Metadata: { [TOGGLES_METADATA_KEY]: toggles }, Resources: {} } });
}

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { StackTemplate } from '../lib/cli/assembly';
import { IntrinsicResolver } from '../lib/cli/private/intrinsics';
import type { LabStacks } from '../lib/app/lab';
import { currentRunDir } from './run-dir';

/** A fixed dummy account, as the tests never see a real one. */
export const TEST_ACCOUNT = '123456789012';

/** Jest's `new App()` does not read cdk.json, so the tests pass its context explicitly. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

/** cdk.json's context, what every test synthesis adds to it, then `context`. */
export function testContext(context: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...CDK_JSON_CONTEXT,
    // cdk-nag runs in test/lab.test.ts, which reads its report; here it would only print.
    '@aws-cdk/core:failSynthOnValidationErrors': false,
    ...context,
  };
}

export interface SynthesizedLab {
  readonly app: App;
  readonly stacks: LabStacks;
  /** Every stack by its name. */
  readonly byName: Record<string, Stack>;
}

/**
 * Builds the whole lab in this test file, as `bin/` does, with cdk.json's context plus `context`,
 * in TEST_ACCOUNT or, with `noAccount`, in none. For tests of the construct tree (cdk-nag, stack
 * dependencies); tests that read templates share `synthesizedLab` instead.
 */
export async function buildTestLab(context: Record<string, unknown> = {}, noAccount = false): Promise<SynthesizedLab> {
  // Loaded on first use, so that test files which only read synthesized templates never load the lab.
  const [{ buildLab }, { parseLabConfig }] = await Promise.all([import('../lib/app/lab'), import('../lib/lab-config')]);
  const app = new App({ context: testContext(context), outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-')) });
  const stacks = await buildLab(
    app,
    parseLabConfig((key) => app.node.tryGetContext(key)),
    noAccount ? undefined : TEST_ACCOUNT,
  );
  const all = [stacks.cluster, ...stacks.scenarios, ...(stacks.ciAccess ? [stacks.ciAccess] : [])];
  const byName = Object.fromEntries(all.map((s) => [s.stackName, s]));
  return { app, stacks, byName };
}

export interface LabSynthOptions {
  /**
   * `-c` values on top of cdk.json's.
   * @default - cdk.json's context alone
   */
  readonly context?: Record<string, unknown>;
  /**
   * Synthesize as CI does, with no CDK_DEFAULT_ACCOUNT: the templates then use `AWS::AccountId`.
   * @default false - the stacks are in TEST_ACCOUNT
   */
  readonly noAccount?: boolean;
}

/** The lab's cloud assembly, as `npx cdk synth` writes it to cdk.out. */
export interface LabAssembly {
  /** The assembly's directory. Every test file of the run shares it: copy it before editing. */
  readonly directory: string;
  /** Every stack's template, by stack name. */
  readonly templates: Record<string, Template>;
  /** Every stack's region, by stack name. */
  readonly regions: Record<string, string>;
}

/**
 * The whole lab, synthesized once per test run for each set of options: the first test file
 * that asks synthesizes it into the run's directory, and the others read it from there.
 */
export async function synthesizedLab(options: LabSynthOptions = {}): Promise<LabAssembly> {
  const assemblies = path.join(currentRunDir(), 'assemblies');
  const directory = path.join(assemblies, assemblyName(options));
  if (!fs.existsSync(path.join(directory, 'manifest.json'))) {
    fs.mkdirSync(assemblies, { recursive: true });
    const lab = await buildTestLab(options.context, options.noAccount);
    const assembly = lab.app.synth();
    publish(assembly.directory, directory);
  }
  const assembly = new CloudAssembly(directory);
  return {
    directory,
    templates: Object.fromEntries(assembly.stacks.map((s) => [s.stackName, Template.fromJSON(s.template)])),
    regions: Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.environment.region])),
  };
}

/** A readable directory name for a set of options, the same for equal options. */
function assemblyName({ context = {}, noAccount = false }: LabSynthOptions): string {
  const toggles = Object.entries(context)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${String(value)}`);
  return [noAccount ? 'no-account' : 'test-account', ...toggles].join(',').replace(/[^\w.,=-]/g, '_');
}

/** Moves a finished assembly to where other test files look for it; another worker may have got there first. */
function publish(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if (!['ENOTEMPTY', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    fs.rmSync(from, { recursive: true, force: true });
  }
}

/** A Kubernetes manifest custom resource, with its objects parsed. */
export interface AppliedManifest {
  readonly logicalId: string;
  readonly objects: KubeObject[];
  readonly dependsOn: string[];
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: any;
}

/**
 * The Kubernetes objects a template applies, read as `lab doctor` reads them:
 * a token inside a manifest becomes `${LogicalId.Attribute}` (or `${LogicalId}` for a Ref).
 */
export function appliedManifests(template: Template): AppliedManifest[] {
  const json = template.toJSON();
  return new StackTemplate('test', json).manifests().map(({ logicalId, objects }) => ({
    logicalId,
    objects: objects as KubeObject[],
    dependsOn: json.Resources[logicalId].DependsOn ?? [],
  }));
}

/** A value with its intrinsics resolved to readable placeholders, as a string. */
export function renderTokens(value: unknown, template?: Template): string {
  const rendered = new IntrinsicResolver(template?.toJSON().Resources ?? {}).resolve(value);
  if (typeof rendered !== 'string') throw new Error(`Not a string once resolved: ${JSON.stringify(value)}`);
  return rendered;
}

/** Every object every manifest of the template applies. */
export function kubeObjects(template: Template): KubeObject[] {
  return appliedManifests(template).flatMap((m) => m.objects);
}

/** The one object of a kind and name, or a failed test. */
export function kubeObject(template: Template, kind: string, name: string): KubeObject {
  const found = kubeObjects(template).filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`Expected one ${kind} '${name}', found ${found.length}`);
  return found[0];
}

/** The manifest custom resource that applies the named object. */
export function manifestApplying(template: Template, kind: string, name: string): AppliedManifest {
  const found = appliedManifests(template).filter((m) => m.objects.some((o) => o.kind === kind && o.metadata.name === name));
  if (found.length !== 1) throw new Error(`Expected one manifest applying ${kind} '${name}', found ${found.length}`);
  return found[0];
}

/** Logical ids of the resources of a type. */
export function logicalIdsOf(template: Template, type: string): string[] {
  return Object.keys(template.findResources(type));
}

/** The logical ids of the `AWS::IAM::Policy` resources attached to a role of the template. */
export function policiesOfRole(template: Template, roleLogicalId: string): string[] {
  return Object.entries(template.findResources('AWS::IAM::Policy'))
    .filter(([, policy]) =>
      (policy.Properties.Roles ?? []).some((r: unknown) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId })),
    )
    .map(([logicalId]) => logicalId);
}

/** The lab's stacks as `cdk deploy --all` deploys them: the cluster stack, then the scenario stacks. */
export const LAB_STACKS = [
  'eks-oidc-demo',
  'eks-oidc-demo-node-role',
  'eks-oidc-demo-secret-injected',
  'eks-oidc-demo-irsa',
  'eks-oidc-demo-pod-identity',
  'eks-oidc-demo-precedence',
  'eks-oidc-demo-pod-identity-advanced',
];

/**
 * Runs the Python unittest files `test_*.py` under `dir` (relative to the repository) and expects
 * every one to pass.
 */
export function expectPythonTestsPass(dir: string): void {
  const result = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', dir, '-p', 'test_*.py'], {
    cwd: path.join(__dirname, '..'),
    // No __pycache__ may land next to a handler: it would change the asset.
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  expect(result.error).toBeUndefined();
  expect({ status: result.status, output: result.stderr }).toEqual({
    status: 0,
    output: expect.stringMatching(/Ran \d+ tests[\s\S]*\nOK\n?$/),
  });
}

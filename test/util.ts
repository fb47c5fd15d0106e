import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { StackTemplate } from '../lib/cli/assembly';
import { IntrinsicResolver } from '../lib/cli/private/intrinsics';
import { buildLab, LabStacks } from '../lib/lab';
import { parseLabConfig } from '../lib/lab-config';

/** A fixed dummy account, as the tests never see a real one. */
export const TEST_ACCOUNT = '123456789012';

/** Jest's `new App()` does not read cdk.json, so the tests pass its context explicitly. */
export const CDK_JSON_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8'),
).context;

export interface SynthesizedLab {
  readonly app: App;
  readonly stacks: LabStacks;
  /** Every stack by its name. */
  readonly byName: Record<string, Stack>;
}

/** Builds the whole lab as `bin/` does, with cdk.json's context plus `context`. */
export async function buildTestLab(context: Record<string, unknown> = {}): Promise<SynthesizedLab> {
  const app = new App({
    // cdk-nag runs in test/lab.test.ts, which reads its report; here it would only print.
    context: { ...CDK_JSON_CONTEXT, '@aws-cdk/core:failSynthOnValidationErrors': false, ...context },
    outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'eks-oidc-demo-')),
  });
  const stacks = await buildLab(
    app,
    parseLabConfig((key) => app.node.tryGetContext(key)),
    TEST_ACCOUNT,
  );
  const all = [stacks.cluster, ...stacks.scenarios, ...(stacks.ciAccess ? [stacks.ciAccess] : [])];
  const byName = Object.fromEntries(all.map((s) => [s.stackName, s]));
  return { app, stacks, byName };
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

import * as fs from 'node:fs';
import { LAB_CLUSTER } from './cluster-contract';
import { CONTEXT_KEYS, ImdsMode, LabConfig, parseLabConfig } from './lab-config';

/**
 * The file the CDK CLI reads context from after `-c` and cdk.json, and that `npx cdk context`
 * lists and `npx cdk context --reset <key>` edits. The lab remembers its toggles there.
 * @see https://docs.aws.amazon.com/cdk/v2/guide/context.html
 */
export const CONTEXT_FILE = 'cdk.context.json';

/**
 * The toggles a deploy keeps until they are changed, because every stack is built from them.
 * A drill is not one of them: it breaks one deploy of one stack, and deploying without it undoes it.
 */
export const REMEMBERED_KEYS = [CONTEXT_KEYS.imds, CONTEXT_KEYS.nodeRoleS3Access, CONTEXT_KEYS.awsCliImage] as const;

type RememberedKey = (typeof REMEMBERED_KEYS)[number];

/** What the context set for a toggle, and what the lab builds from it. */
function settingOf(config: LabConfig, key: RememberedKey): string | boolean {
  return config[key];
}

/**
 * Remembers the toggles the context sets, in `file`, and says what changed.
 *
 * The CDK CLI passes `-c` values first and cdk.context.json's after them (cdk.json's would come
 * between, so the lab's cdk.json sets none), so a toggle in `context` that differs from the file
 * was just given with `-c`. It is written to the file, and later deploys keep it until another
 * `-c` changes it: `npx cdk deploy eks-oidc-demo-irsa -c drill=...` after `-c imds=locked` then
 * redeploys the cluster stack with imds still locked, instead of silently replacing the node.
 *
 * @returns lines for people: each change, and what a change of the node's launch template does
 */
export function rememberToggles(context: Readonly<Record<string, unknown>>, file: string = CONTEXT_FILE): string[] {
  const stored = readContextFile(file);
  const given = parseLabConfig((key) => context[key]);
  const before = parseLabConfig((key) => stored[key]);
  const changed = REMEMBERED_KEYS.filter((key) => context[key] !== undefined && settingOf(given, key) !== stored[key]);
  const lines: string[] = [];
  if (changed.length > 0) {
    fs.writeFileSync(
      file,
      `${JSON.stringify({ ...stored, ...Object.fromEntries(changed.map((key) => [key, settingOf(given, key)])) }, null, 2)}\n`,
    );
    for (const key of changed) {
      lines.push(
        `${key}=${String(settingOf(given, key))} is remembered in ${file}: later deploys keep it until you pass -c ${key}=<another value> (\`npx cdk context --reset ${key}\` forgets it).`,
      );
    }
  }
  if (given.imds !== before.imds) lines.push(nodeReplacementNotice(before.imds, given.imds));
  const kept = REMEMBERED_KEYS.filter((key) => !changed.includes(key) && stored[key] !== undefined);
  if (kept.length > 0) {
    lines.push(`Toggles remembered in ${file}: ${kept.map((key) => `${key}=${String(stored[key])}`).join(', ')}.`);
  }
  return lines;
}

/**
 * What a new IMDS setting does to a deployed lab: it is part of the node's launch template, and
 * a new launch template version makes the managed node group replace its node.
 * @see https://docs.aws.amazon.com/eks/latest/userguide/update-managed-node-group.html
 */
export function nodeReplacementNotice(from: ImdsMode, to: ImdsMode): string {
  return (
    `imds goes from ${from} to ${to}. If the lab is deployed, the next deploy of the ${LAB_CLUSTER.name} stack gives the node's ` +
    'launch template a new version, and EKS replaces the node (several minutes); the lab pods on it go with it, and ' +
    `\`npm run lab -- rerun <scenario>\` runs one again. \`npx cdk diff ${LAB_CLUSTER.name}\` shows the change before you deploy.`
  );
}

function readContextFile(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Reported below, with the file's name.
  }
  throw new Error(`${file} is not a JSON object. Fix it, or delete it to forget the remembered toggles, then retry.`);
}

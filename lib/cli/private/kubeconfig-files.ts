import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { LabError } from '../errors';

/** The command every hint names when there is no usable kubeconfig. */
export const WRITE_KUBECONFIG = 'npm run lab -- kubeconfig';

/** The files kubectl would read: those of KUBECONFIG, or ~/.kube/config. */
export function kubeconfigCandidates(env: NodeJS.ProcessEnv): string[] {
  return env.KUBECONFIG ? env.KUBECONFIG.split(delimiter).filter(Boolean) : [join(env.HOME ?? homedir(), '.kube', 'config')];
}

/**
 * The kubeconfig files that exist; kubectl skips the files in KUBECONFIG that do not.
 * Throws a one-line LabError when there is none. It loads nothing but `fs`, so a command that
 * needs a cluster fails at once, before the Kubernetes client is loaded.
 */
export function presentKubeconfigs(env: NodeJS.ProcessEnv): string[] {
  const paths = kubeconfigCandidates(env);
  const present = paths.filter((candidate) => existsSync(candidate));
  if (present.length === 0)
    throw new LabError(`No kubeconfig found (looked at ${paths.join(', ')}). Run \`${WRITE_KUBECONFIG}\`, then retry.`);
  return present;
}

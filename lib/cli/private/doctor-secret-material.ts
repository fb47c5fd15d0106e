import { SCENARIOS } from '../../scenarios';
import { StackTemplate } from '../assembly';
import { CLUSTER_SCOPE, FindingList } from './findings';

/** The kubectl handler logs the whole event it receives, so a manifest must never carry secret values; nor may an output. */
export function checkNoSecretMaterial(stack: StackTemplate, findings: FindingList): void {
  const scope = SCENARIOS.find((s) => s.stackName === stack.stackName)?.id ?? CLUSTER_SCOPE;
  for (const manifest of stack.manifests()) {
    for (const object of manifest.objects) {
      if (object.kind !== 'Secret') continue;
      const data = { ...((object.data as Record<string, unknown>) ?? {}), ...((object.stringData as Record<string, unknown>) ?? {}) };
      if (Object.keys(data).length > 0) {
        findings.fail(
          scope,
          'no secrets in manifests',
          `${stack.stackName}/${manifest.logicalId} applies Secret ${object.metadata?.namespace}/${object.metadata?.name} with values (${Object.keys(data).join(', ')}): the kubectl handler logs the whole manifest.`,
          'Create the Secret outside the manifest (for example from Secrets Manager at run time), never through KubernetesManifest.',
        );
      }
    }
  }
  const outputs = JSON.stringify((stack.template as { Outputs?: unknown }).Outputs ?? {});
  if (/"SecretAccessKey"/.test(outputs)) {
    findings.fail(
      scope,
      'no secrets in outputs',
      `${stack.stackName} outputs an access key's SecretAccessKey: it ends up in CloudFormation and the CLI output.`,
      'Keep the secret in Secrets Manager and output only its name.',
    );
  }
}

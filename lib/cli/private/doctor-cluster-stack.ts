import { LAB_CLUSTER } from '../../cluster-contract';
import { ImdsMode } from '../../lab-config';
import { IMDS_HOP_LIMIT, IMDS_HTTP_TOKENS } from '../../lab-names';
import { LabToggles, ScenarioId } from '../../scenarios';
import { LabAssembly } from '../assembly';
import { LabError } from '../errors';
import { imdsHole } from '../rules/imds/node-imds';
import { CLUSTER_SCOPE, FindingList } from './findings';

/** The toggles the node-role stack recorded, which every other check compares with. */
export function recordedToggles(assembly: LabAssembly, findings: FindingList): LabToggles | undefined {
  try {
    return assembly.toggles();
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    findings.fail(ScenarioId.NODE_ROLE, 'toggles metadata', err.message, 'Synthesize with the current lab: `npx cdk synth --quiet`.');
    return undefined;
  }
}

/**
 * The cluster stack is there, and its launch template sets IMDS as `-c imds=` asked. A template
 * that opens IMDS is the shared rule EKSIMDS2's to name, with the toggle; this check names the
 * other mismatch, a template locked tighter than the toggles, which no rule calls wrong but which
 * keeps the node-role scenario from showing its lesson.
 */
export function checkClusterStack(assembly: LabAssembly, findings: FindingList, toggles: LabToggles | undefined): void {
  const cluster = assembly.clusterStack;
  if (!cluster) {
    findings.fail(
      CLUSTER_SCOPE,
      'cluster stack',
      `No stack named ${LAB_CLUSTER.name} in ${assembly.dir}.`,
      'Synthesize the whole app: `npx cdk synth --quiet`.',
    );
    return;
  }
  const templates = cluster.resourcesOfType('AWS::EC2::LaunchTemplate');
  if (templates.length === 0) {
    findings.fail(
      CLUSTER_SCOPE,
      'IMDS',
      'The cluster stack has no launch template, so IMDS runs with the AMI defaults.',
      'Give the node group a launch template with requireImdsv2 and httpPutResponseHopLimit.',
    );
  }
  if (!toggles) return;
  const expected = { httpTokens: IMDS_HTTP_TOKENS[toggles.imds], hopLimit: IMDS_HOP_LIMIT[toggles.imds] };
  for (const { logicalId, resource } of templates) {
    const data = cluster.property(resource, 'LaunchTemplateData') as
      { MetadataOptions?: { HttpTokens?: string; HttpPutResponseHopLimit?: number } } | undefined;
    const actual = { httpTokens: data?.MetadataOptions?.HttpTokens, hopLimit: data?.MetadataOptions?.HttpPutResponseHopLimit };
    const where = `${cluster.stackName}/${logicalId} has HttpTokens ${actual.httpTokens ?? 'unset'} and hop limit ${actual.hopLimit ?? 'unset'}`;
    if (actual.httpTokens === expected.httpTokens && actual.hopLimit === expected.hopLimit) {
      findings.pass(
        CLUSTER_SCOPE,
        'IMDS as the toggles say',
        `${where}, as imds=${toggles.imds} expects${toggles.imds === ImdsMode.LOCKED ? ': pods cannot reach the node role' : ''}.`,
      );
    } else if (!imdsHole(actual)) {
      findings.fail(
        CLUSTER_SCOPE,
        'IMDS as the toggles say',
        `${where}, so pods cannot reach the node role; the node-role stack was synthesized with imds=${toggles.imds}, which needs HttpTokens ${expected.httpTokens} and hop limit ${expected.hopLimit}, and expects the node-role scenario to show the fallback.`,
        `Synthesize and deploy both stacks with the same toggle: \`npx cdk deploy --all -c imds=${toggles.imds}\`.`,
      );
    }
  }
}

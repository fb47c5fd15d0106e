import { LAB_CLUSTER } from '../../cluster-contract';
import { SourceKind } from '../../model/cluster-model';
import { LabToggles } from '../../scenarios';
import { kubeListsOf } from '../commands/audit/connect';
import { AwsClients } from '../aws-clients';
import { Clock } from '../clock';
import { LabKube } from '../kube';
import { Output } from '../output';
import { collectLive } from '../sources/live';
import { modelFromSnapshot } from '../sources/snapshot';
import { ruleChecks } from './doctor-rules';
import { CLUSTER_SCOPE, FindingList } from './findings';

/**
 * The rules `lab audit` runs, over the deployed lab as AWS and the cluster describe it now: the
 * same read-only collection as `lab audit --cluster eks-oidc-demo`, with the lab's lessons passed.
 */
export async function deployedRuleChecks(
  aws: AwsClients,
  kube: LabKube,
  toggles: LabToggles | undefined,
  findings: FindingList,
  out: Output,
  clock?: Clock,
): Promise<void> {
  const clients = { eks: aws.eks, iam: aws.iam, ec2: aws.ec2, kubeList: kubeListsOf(kube.kubeConfig) };
  const documents = await collectLive(clients, LAB_CLUSTER.name, { includeSecrets: false, out, clock });
  for (const denied of documents.notVerifiable ?? []) {
    findings.fail(
      CLUSTER_SCOPE,
      'read the deployed lab',
      `Not verifiable: ${denied.action} denied (${denied.reason}).`,
      'Run with credentials that may read it: `npm run lab -- audit --print-policy` prints the read-only policy.',
    );
  }
  ruleChecks(modelFromSnapshot(documents, SourceKind.DEPLOYED), toggles, findings);
}

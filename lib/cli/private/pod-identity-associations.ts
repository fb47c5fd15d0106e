import { DescribePodIdentityAssociationCommand, PodIdentityAssociation, paginateListPodIdentityAssociations } from '@aws-sdk/client-eks';
import { LAB_CLUSTER } from '../../cluster-contract';
import { AwsClients } from '../aws-clients';

/**
 * Every EKS Pod Identity association of a service account in the lab's cluster, in full:
 * ListPodIdentityAssociations returns summaries without the role, target role or session policy.
 */
export async function associationsOf(aws: AwsClients, namespace: string, serviceAccount: string): Promise<PodIdentityAssociation[]> {
  const ids: string[] = [];
  const pages = paginateListPodIdentityAssociations({ client: aws.eks }, { clusterName: LAB_CLUSTER.name, namespace, serviceAccount });
  for await (const page of pages) for (const summary of page.associations ?? []) if (summary.associationId) ids.push(summary.associationId);
  const associations: PodIdentityAssociation[] = [];
  for (const associationId of ids) {
    const { association } = await aws.eks.send(new DescribePodIdentityAssociationCommand({ clusterName: LAB_CLUSTER.name, associationId }));
    if (association) associations.push(association);
  }
  return associations;
}

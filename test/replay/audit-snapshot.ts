import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IRSA_ROLE_ANNOTATION } from '../../lib/lab-names';
import { SnapshotDocuments } from '../../lib/cli/sources/snapshot-layout';
import { writeSnapshotDir } from '../../lib/cli/sources/snapshot';
import { KubeObject } from '../cluster-handlers/fake-cluster';
import { DeployedResourceView } from './cloudformation';
import { LabReplay } from './lab-replay';

/*
 * Where the replay leaves the lab, written as the snapshot `lab audit --save` collects
 * (lib/cli/sources/snapshot-layout.ts): each file in the shape its command prints, with only the
 * fields the snapshot reader uses. AWS files come from what the replayed CloudFormation deployed
 * (resolved properties, physical ids, attributes); Kubernetes files from the fake cluster. No
 * secrets.json: the audit reads Secrets only with --include-secrets, and the fake API server holds none.
 */

type Json = Record<string, any>;

/** The replay's state as a snapshot's documents, by snapshot file. */
export function auditSnapshotOf(lab: LabReplay): SnapshotDocuments {
  const deployed = lab.cloudFormation.deployedResources();
  const ofType = (type: string) => deployed.filter((resource) => resource.type === type);
  const serviceAccounts = lab.cloud.cluster.kubectlGet('serviceaccounts');
  const associations = ofType('AWS::EKS::PodIdentityAssociation').map((resource) => associationOf(lab, resource));
  const inCluster = Object.keys(lab.cloud.cluster.podIdentityAssociations()).sort();
  const inStacks = associations.map((association) => String(association.associationId)).sort();
  if (JSON.stringify(inCluster) !== JSON.stringify(inStacks))
    throw new Error(`The stacks hold associations ${inStacks.join(', ')}, the cluster ${inCluster.join(', ')}`);
  const nodes = lab.cloud.cluster.kubectlGet('nodes');
  return {
    cluster: clusterOf(ofType('AWS::EKS::Cluster')),
    nodeGroups: ofType('AWS::EKS::Nodegroup').map(nodeGroupOf),
    launchTemplates: launchTemplatesOf(lab),
    addons: { addons: ofType('AWS::EKS::Addon').map((addon) => String(addon.properties.AddonName)) },
    associations,
    providers: Object.fromEntries(ofType('AWS::IAM::OIDCProvider').map(providerOf)),
    roles: rolesNamedBy(ofType('AWS::IAM::Role'), serviceAccounts, associations),
    instances: instancesOf(lab, nodes),
    serviceAccounts,
    pods: lab.cloud.cluster.kubectlGet('pods'),
    nodes,
  };
}

/** Writes the replay's state as a snapshot directory, for `lab audit --from`, and returns the directory. */
export function writeAuditSnapshot(lab: LabReplay): string {
  const dir = mkdtempSync(join(tmpdir(), 'audit-snapshot-'));
  writeSnapshotDir(dir, auditSnapshotOf(lab));
  return dir;
}

/**
 * `aws eks describe-cluster --name N`: `{ cluster: { name, arn, identity: { oidc: { issuer } } } }`
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_DescribeCluster.html, API_Cluster.html).
 */
function clusterOf(clusters: DeployedResourceView[]): Json {
  if (clusters.length !== 1) throw new Error(`The replay has ${clusters.length} EKS clusters; a snapshot describes one`);
  const [cluster] = clusters;
  return {
    cluster: {
      name: cluster.physicalId,
      arn: cluster.attributes.Arn,
      identity: { oidc: { issuer: cluster.attributes.OpenIdConnectIssuerUrl } },
    },
  };
}

/**
 * `aws eks describe-nodegroup` → `.nodegroup`: its name, cluster and launch template
 * `{ id, version }`, the version a string
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html, API_LaunchTemplateSpecification.html).
 */
function nodeGroupOf(group: DeployedResourceView): Json {
  const template = group.properties.LaunchTemplate as Json | undefined;
  return {
    nodegroupName: group.properties.NodegroupName,
    clusterName: group.properties.ClusterName,
    ...(template && { launchTemplate: { id: template.Id, version: String(template.Version) } }),
  };
}

/**
 * `aws ec2 describe-launch-template-versions` → `.LaunchTemplateVersions[]`, for the version the node
 * group uses: `{ LaunchTemplateId, VersionNumber, LaunchTemplateData: { MetadataOptions } }`, the
 * version a number (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateVersion.html,
 * API_ResponseLaunchTemplateData.html).
 */
function launchTemplatesOf(lab: LabReplay): Json[] {
  const launched = lab.cloud.nodeLaunchTemplateVersion();
  if (!launched) return [];
  const options = launched.data.MetadataOptions as Json | undefined;
  return [
    {
      LaunchTemplateId: launched.id,
      VersionNumber: launched.version,
      LaunchTemplateData: { ...(options && { MetadataOptions: metadataOptionsOf(options) }) },
    },
  ];
}

/**
 * `aws ec2 describe-instances` for the node's instance: `{ Reservations: [{ Instances: [{ InstanceId,
 * MetadataOptions }] }] }`. An instance launched from a launch template takes its MetadataOptions
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html,
 * API_InstanceMetadataOptionsResponse.html; https://docs.aws.amazon.com/eks/latest/userguide/launch-templates.html).
 */
function instancesOf(lab: LabReplay, nodes: KubeObject): Json {
  const launched = lab.cloud.nodeLaunchTemplateVersion();
  const options = launched?.data.MetadataOptions as Json | undefined;
  return {
    Reservations: (nodes.items as KubeObject[]).map((node) => ({
      Instances: [
        {
          InstanceId: /\/(i-[0-9a-f]+)$/.exec(node.spec.providerID)![1],
          // Without a launch template's settings the instance has the AMI's, which the replay does not model.
          ...(options && { MetadataOptions: metadataOptionsOf(options) }),
        },
      ],
    })),
  };
}

/** The two settings the audit reads; CloudFormation's LaunchTemplateData names them as EC2 does. */
function metadataOptionsOf(options: Json): Json {
  return {
    ...(options.HttpTokens !== undefined && { HttpTokens: options.HttpTokens }),
    ...(options.HttpPutResponseHopLimit !== undefined && { HttpPutResponseHopLimit: Number(options.HttpPutResponseHopLimit) }),
  };
}

/**
 * `aws eks describe-pod-identity-association` → `.association`
 * (https://docs.aws.amazon.com/eks/latest/APIReference/API_PodIdentityAssociation.html): what the
 * template gave it, its id and ARN as EKS answered them, and when the cluster saw it created.
 */
function associationOf(lab: LabReplay, resource: DeployedResourceView): Json {
  const props = resource.properties;
  const id = String(resource.attributes.AssociationId);
  const createdAt = lab.cloud.cluster.podIdentityAssociationCreatedAt(id);
  if (createdAt === undefined)
    throw new Error(`${resource.stackName} ${resource.logicalId} is deployed, but the cluster has no association ${id}`);
  return {
    clusterName: props.ClusterName,
    namespace: props.Namespace,
    serviceAccount: props.ServiceAccount,
    roleArn: props.RoleArn,
    associationArn: resource.attributes.AssociationArn,
    associationId: id,
    createdAt,
    disableSessionTags: props.DisableSessionTags === true,
    ...(props.TargetRoleArn !== undefined && { targetRoleArn: props.TargetRoleArn }),
    ...(props.Policy !== undefined && { policy: props.Policy }),
  };
}

/**
 * `aws iam get-open-id-connect-provider`, keyed by the provider's ARN (its Ref): `{ Url,
 * ClientIDList }`, the Url without `https://` as the CLI reference's example prints it
 * (https://docs.aws.amazon.com/cli/latest/reference/iam/get-open-id-connect-provider.html).
 */
function providerOf(provider: DeployedResourceView): [string, Json] {
  return [
    provider.physicalId,
    {
      Url: String(provider.properties.Url).replace(/^https:\/\//, ''),
      ClientIDList: provider.properties.ClientIdList ?? [],
    },
  ];
}

/**
 * `aws iam get-role` → `.Role` for every role an annotation, an association or a target role
 * names, with `AssumeRolePolicyDocument` URL-encoded as the API returns it
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html). A named role that was not
 * deployed is left out, as GetRole answers NoSuchEntity for it.
 */
function rolesNamedBy(roles: DeployedResourceView[], serviceAccounts: KubeObject, associations: Json[]): Json[] {
  const named = new Set<string>([
    ...(serviceAccounts.items as KubeObject[]).flatMap((sa) => sa.metadata.annotations?.[IRSA_ROLE_ANNOTATION] ?? []),
    ...associations.flatMap((association) => [association.roleArn, association.targetRoleArn ?? []].flat()),
  ]);
  return roles
    .filter((role) => named.has(String(role.attributes.Arn)))
    .map((role) => ({
      RoleName: role.physicalId,
      Arn: role.attributes.Arn,
      AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(role.properties.AssumeRolePolicyDocument)),
    }));
}

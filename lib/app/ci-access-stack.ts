import { CfnOutput, DefaultStackSynthesizer, Duration, Fn, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LAB_CLUSTER } from '../cluster-contract';
import { CiAccessConfig, GithubOidcProviderMode } from '../lab-config';
import { POD_IDENTITY_AGENT_ADDON, STS_AUDIENCE } from '../lab-names';
import { acknowledgeNag } from './private/nag';
import { stageOwnAssets } from './private/asset-staging';

/**
 * GitHub Actions' OIDC issuer. Its tokens carry `aud` (sts.amazonaws.com for
 * configure-aws-credentials) and `sub` (`repo:OWNER/REPO:ref:refs/heads/BRANCH`
 * for a job without an environment).
 * @see https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws
 * @see https://docs.github.com/en/actions/reference/security/oidc
 */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** The `sub` claim of a GitHub Actions job on `branch` of `repository` that references no environment. */
export function githubSubject(repository: string, branch: string): string {
  return `repo:${repository}:ref:refs/heads/${branch}`;
}

/**
 * The CDK bootstrap roles the CLI assumes to deploy the lab: deploy (CloudFormation),
 * file publishing (Lambda and template assets) and lookup (reading current templates).
 * The lab has no container image assets, so the image-publishing role is left out.
 * Names from aws-cdk-lib's DefaultStackSynthesizer (core/lib/stack-synthesizers/default-synthesizer.ts)
 * and the bootstrap template (aws-cdk lib/api/bootstrap/bootstrap-template.yaml).
 */
export const CDK_BOOTSTRAP_ROLE_ARNS = [
  DefaultStackSynthesizer.DEFAULT_DEPLOY_ROLE_ARN,
  DefaultStackSynthesizer.DEFAULT_FILE_ASSET_PUBLISHING_ROLE_ARN,
  DefaultStackSynthesizer.DEFAULT_LOOKUP_ROLE_ARN,
].map((arn) => arn.replace('${Qualifier}', DefaultStackSynthesizer.DEFAULT_QUALIFIER).replace('${AWS::Region}', LAB_CLUSTER.region));

/**
 * How CloudFormation names the cluster stack's access role (`<stack>-<logical id>-<random>`):
 * the role `lab verify` and `aws eks update-kubeconfig --role-arn` use to reach the Kubernetes API.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-name.html
 */
export const CLUSTER_ACCESS_ROLE_NAME_PREFIX = `${LAB_CLUSTER.name}-eksoidcdemoAccessRole`;

/** One statement of the role's policy, with why each wildcard in its resources is needed. */
interface Grant {
  readonly sid: string;
  readonly actions: readonly string[];
  /** `Fn::Sub` templates, or `*`. */
  readonly resources: readonly string[];
  /** Why a `*` in these resources cannot be narrower; cdk-nag's IAM5 finding is acknowledged with it. */
  readonly wildcardReason?: string;
}

const arn = (service: string, resource: string, region: string = LAB_CLUSTER.region) =>
  `arn:\${AWS::Partition}:${service}:${region}:\${AWS::AccountId}:${resource}`;

/**
 * List and describe calls of `lab trail`, `lab doctor` and `lab leftovers` whose actions
 * support no resource-level permission: IAM accepts only `*` as their resource.
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export const UNSCOPED_READ_ACTIONS = [
  'cloudformation:ListStacks',
  'cloudtrail:LookupEvents',
  'ec2:DescribeInstances',
  'ec2:DescribeLaunchTemplateVersions',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcs',
  'eks:ListClusters',
  'iam:ListOpenIDConnectProviders',
  'iam:ListRoles',
  'iam:ListUsers',
  'kms:ListKeys',
  // lab leftovers lists the account's buckets to find the lab's.
  's3:ListAllMyBuckets',
  'logs:DescribeLogGroups',
  'secretsmanager:ListSecrets',
] as const;

/** Everything the role may do. No statement has a wildcard action. */
function grants(labStackNames: readonly string[]): Grant[] {
  return [
    {
      // The CDK CLI deploys through the bootstrap roles. With OIDC credentials no session tags are
      // passed on (configure-aws-credentials drops them: src/assumeRole.ts), so sts:AssumeRole is enough.
      sid: 'AssumeCdkBootstrapRoles',
      actions: ['sts:AssumeRole'],
      resources: CDK_BOOTSTRAP_ROLE_ARNS,
    },
    {
      // `aws eks get-token --role-arn` assumes the cluster's access role, which trusts the account
      // and holds the cluster's admin access entry.
      sid: 'AssumeLabClusterAccessRole',
      actions: ['sts:AssumeRole'],
      resources: [arn('iam', `role/${CLUSTER_ACCESS_ROLE_NAME_PREFIX}*`, '')],
      wildcardReason: "CloudFormation appends a random suffix to the cluster access role's name; the prefix names exactly that role.",
    },
    {
      // lab trail reads the toggles the node-role stack was deployed with from its template.
      sid: 'WaitOnLabStacks',
      actions: ['cloudformation:DescribeStacks', 'cloudformation:GetTemplate'],
      resources: labStackNames.map((name) => arn('cloudformation', `stack/${name}/*`)),
      wildcardReason: 'A stack ARN ends in the id CloudFormation gives each new stack; the names are exact.',
    },
    {
      sid: 'DescribeClusters',
      actions: ['eks:DescribeCluster'],
      resources: [arn('eks', 'cluster/*')],
      // `aws eks update-kubeconfig` describes the lab cluster with these credentials, too.
      wildcardReason: "lab leftovers reads every cluster's issuer in the region to tell an orphaned EKS OIDC provider from a live one.",
    },
    {
      sid: 'DescribePodIdentityAgent',
      actions: ['eks:DescribeAddon'],
      resources: [arn('eks', `addon/${LAB_CLUSTER.name}/${POD_IDENTITY_AGENT_ADDON}/*`)],
      wildcardReason: 'An add-on ARN ends in an id EKS assigns; the cluster and add-on names are exact.',
    },
    {
      // Live lab doctor checks each association as EKS holds it now.
      sid: 'ReadLabPodIdentityAssociations',
      actions: ['eks:ListPodIdentityAssociations', 'eks:DescribePodIdentityAssociation'],
      resources: [arn('eks', `cluster/${LAB_CLUSTER.name}`), arn('eks', `podidentityassociation/${LAB_CLUSTER.name}/*`)],
      wildcardReason: 'An association ARN ends in an id EKS assigns; the cluster name is exact.',
    },
    {
      // Live lab doctor reads the node group, its launch template version and the add-ons, as lab audit does.
      sid: 'ReadLabNodeGroupsAndAddons',
      actions: ['eks:ListNodegroups', 'eks:DescribeNodegroup', 'eks:ListAddons'],
      resources: [arn('eks', `cluster/${LAB_CLUSTER.name}`), arn('eks', `nodegroup/${LAB_CLUSTER.name}/*`)],
      wildcardReason: "A node group ARN ends in its name and an id EKS assigns; the cluster's name is exact.",
    },
    {
      // Live lab doctor reads what the lab's roles trust; CloudFormation names them after their stack.
      sid: 'ReadLabRoleTrust',
      actions: ['iam:GetRole'],
      resources: [arn('iam', `role/${LAB_CLUSTER.name}-*`, '')],
      wildcardReason:
        "CloudFormation names each lab role '<stack>-<logical id>-<random>'; every lab stack's name starts with the cluster's.",
    },
    {
      // lab leftovers tells a lab KMS key pending deletion from one left behind.
      sid: 'DescribeKmsKeys',
      actions: ['kms:DescribeKey'],
      resources: [arn('kms', 'key/*')],
      wildcardReason: 'A KMS key ARN ends in an id KMS assigns; lab leftovers finds the lab key by its description.',
    },
    {
      sid: 'ReadEksOidcProviders',
      actions: ['iam:GetOpenIDConnectProvider'],
      resources: [arn('iam', `oidc-provider/oidc.eks.${LAB_CLUSTER.region}.amazonaws.com/id/*`, '')],
      wildcardReason: "The lab cluster's issuer id is only known after deploy; lab leftovers checks every EKS issuer in the region.",
    },
    {
      sid: 'ListWithoutResourceScope',
      actions: UNSCOPED_READ_ACTIONS,
      resources: ['*'],
      wildcardReason: `These list and describe actions support no resource-level permission: ${UNSCOPED_READ_ACTIONS.join(', ')}.`,
    },
  ];
}

export interface CiAccessStackProps extends StackProps {
  /** The repository and branch to trust, and where the OIDC provider comes from. */
  readonly access: CiAccessConfig;
  /** The lab's stacks, which the role may describe while `lab e2e` waits on them. */
  readonly labStackNames: readonly string[];
  /**
   * How long one role session lasts: it must outlive the workflow's e2e and cleanup jobs.
   * @default Duration.hours(4)
   */
  readonly maxSessionDuration?: Duration;
}

/**
 * The role a GitHub Actions workflow assumes through GitHub's OIDC provider to run `lab e2e`:
 * the same federation IRSA uses, seen from the other side. It trusts one repository and one
 * branch, and may only assume the CDK bootstrap roles and read what the lab's checks read.
 */
export class CiAccessStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CiAccessStackProps) {
    super(scope, id, props);
    stageOwnAssets(this);
    const providerArn =
      props.access.provider === GithubOidcProviderMode.CREATE
        ? // IAM verifies GitHub's TLS certificate against its own trusted CAs, so no thumbprint is needed.
          // https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html
          new iam.OidcProviderNative(this, 'GithubOidcProvider', { url: `https://${GITHUB_OIDC_HOST}`, clientIds: [STS_AUDIENCE] })
            .oidcProviderArn
        : Fn.sub(`arn:\${AWS::Partition}:iam::\${AWS::AccountId}:oidc-provider/${GITHUB_OIDC_HOST}`);

    // StringEquals on both claims: one repository, one branch, and tokens minted for STS only.
    this.role = new iam.Role(this, 'E2eRole', {
      description: `Runs lab e2e from GitHub Actions for ${githubSubject(props.access.repository, props.access.branch)}`,
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubject(props.access.repository, props.access.branch),
          [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
        },
      }),
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(4),
    });

    for (const grant of grants(props.labStackNames)) {
      const resources = grant.resources.map((resource) => (resource === '*' ? resource : Fn.sub(resource)));
      this.role.addToPolicy(new iam.PolicyStatement({ sid: grant.sid, actions: [...grant.actions], resources }));
      const wildcards = grant.resources.filter((resource) => resource.includes('*'));
      if (wildcards.length === 0) continue;
      if (!grant.wildcardReason) throw new Error(`Statement ${grant.sid} has a wildcard resource and no reason for it.`);
      // cdk-nag names a finding by the resource with `${AWS::X}` written as `<AWS::X>`.
      acknowledgeNag(
        this.role,
        grant.wildcardReason,
        ...wildcards.map((resource) => `IAM5[Resource::${resource.replace(/\$\{(AWS::\w+)\}/g, '<$1>')}]`),
      );
    }

    new CfnOutput(this, 'RoleArn', {
      description: 'Set it as the repository variable AWS_E2E_ROLE_ARN',
      value: this.role.roleArn,
    });
  }
}

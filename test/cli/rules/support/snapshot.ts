import { SnapshotDocuments } from '../../../../lib/cli/sources/snapshot-layout';
import { modelFromSnapshot } from '../../../../lib/cli/sources/snapshot';
import { ClusterModel } from '../../../../lib/model/cluster-model';

/*
 * A hand-made snapshot of a healthy cluster that uses every mechanism the right way. Nothing here
 * is a recorded response: each file has the shape its command prints, per the AWS CLI and API
 * references (eks describe-cluster, describe-nodegroup, describe-pod-identity-association,
 * list-addons; iam get-role, get-open-id-connect-provider; ec2 describe-instances,
 * describe-launch-template-versions) and the Kubernetes API (v1 List), with made-up values.
 */
export const ACCOUNT = '111122223333';
export const ISSUER_HOST_PATH = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
export const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER_HOST_PATH}`;
export const IRSA_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/reports-reader`;
export const POD_IDENTITY_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/api-role`;
export const NODE = 'ip-192-168-1-10.eu-west-1.compute.internal';

/** The trust IRSA wants: the cluster's provider, sub and aud under StringEquals. */
export function irsaTrust(sub = 'system:serviceaccount:web:reports', operator = 'StringEquals'): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: PROVIDER_ARN },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { [operator]: { [`${ISSUER_HOST_PATH}:sub`]: sub, [`${ISSUER_HOST_PATH}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
}

export function podIdentityTrust(actions: string[] = ['sts:AssumeRole', 'sts:TagSession']): Record<string, unknown> {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: actions }] };
}

export function pod(
  namespace: string,
  name: string,
  serviceAccount: string,
  env: Record<string, unknown>[] = [],
  extra: Record<string, unknown> = {},
): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, creationTimestamp: '2026-11-02T10:00:00Z' },
    spec: {
      serviceAccountName: serviceAccount,
      nodeName: NODE,
      containers: [{ name: 'app', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0', env: env.map((e) => ({ ...e })) }],
      ...extra,
    },
    status: { phase: 'Running' },
  };
}

export const IRSA_ENV = [
  { name: 'AWS_ROLE_ARN', value: IRSA_ROLE_ARN },
  { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
];
export const POD_IDENTITY_ENV = [
  { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
  {
    name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
  },
];

export function serviceAccount(namespace: string, name: string, roleArn?: string): Record<string, any> {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: {
      namespace,
      name,
      creationTimestamp: '2026-11-01T09:00:00Z',
      ...(roleArn ? { annotations: { 'eks.amazonaws.com/role-arn': roleArn } } : {}),
    },
  };
}

export function role(arn: string, trust: Record<string, unknown>, urlEncoded = false): Record<string, unknown> {
  return {
    Path: '/',
    RoleName: arn.slice(arn.lastIndexOf('/') + 1),
    RoleId: 'AROAEXAMPLEID1234567',
    Arn: arn,
    CreateDate: '2026-11-01T08:00:00+00:00',
    AssumeRolePolicyDocument: urlEncoded ? encodeURIComponent(JSON.stringify(trust)) : trust,
    MaxSessionDuration: 3600,
  };
}

export function association(
  id: string,
  namespace: string,
  name: string,
  roleArn: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    clusterName: 'shop',
    namespace,
    serviceAccount: name,
    roleArn,
    associationArn: `arn:aws:eks:eu-west-1:${ACCOUNT}:podidentityassociation/shop/${id}`,
    associationId: id,
    tags: {},
    createdAt: '2026-11-01T10:00:00Z',
    modifiedAt: '2026-11-01T10:00:00Z',
    disableSessionTags: false,
    ...extra,
  };
}

/** A fresh copy of the healthy snapshot: edit it freely. */
export function healthySnapshot(): Record<string, any> {
  return {
    cluster: {
      cluster: {
        name: 'shop',
        arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/shop`,
        version: '1.35',
        identity: { oidc: { issuer: `https://${ISSUER_HOST_PATH}` } },
        status: 'ACTIVE',
      },
    },
    addons: { addons: ['coredns', 'eks-pod-identity-agent', 'kube-proxy', 'vpc-cni'] },
    nodeGroups: [
      { nodegroupName: 'ng-1', clusterName: 'shop', launchTemplate: { name: 'ng-1-lt', version: '2', id: 'lt-0abcd1234example1' } },
    ],
    launchTemplates: [
      {
        LaunchTemplateId: 'lt-0abcd1234example1',
        LaunchTemplateName: 'ng-1-lt',
        VersionNumber: 2,
        LaunchTemplateData: { MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 1 } },
      },
    ],
    instances: {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: 'i-0123456789abcdef0',
              MetadataOptions: { State: 'applied', HttpTokens: 'required', HttpPutResponseHopLimit: 1, HttpEndpoint: 'enabled' },
            },
          ],
        },
      ],
    },
    nodes: {
      apiVersion: 'v1',
      kind: 'List',
      items: [{ metadata: { name: NODE }, spec: { providerID: 'aws:///eu-west-1a/i-0123456789abcdef0' } }],
    },
    serviceAccounts: {
      apiVersion: 'v1',
      kind: 'List',
      items: [serviceAccount('web', 'reports', IRSA_ROLE_ARN), serviceAccount('shop', 'api'), serviceAccount('kube-system', 'coredns')],
    },
    pods: {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        pod('web', 'reports-7d9f', 'reports', IRSA_ENV),
        pod('shop', 'api-5c8b', 'api', POD_IDENTITY_ENV),
        pod('kube-system', 'coredns-6b9f', 'coredns'),
      ],
    },
    roles: [role(IRSA_ROLE_ARN, irsaTrust()), role(POD_IDENTITY_ROLE_ARN, podIdentityTrust(), true)],
    associations: [association('a-abcdefghijklmnop1', 'shop', 'api', POD_IDENTITY_ROLE_ARN)],
    providers: {
      [PROVIDER_ARN]: {
        Url: ISSUER_HOST_PATH,
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
        CreateDate: '2026-11-01T08:00:00+00:00',
      },
    },
  };
}

export function modelOf(documents: SnapshotDocuments): ClusterModel {
  return modelFromSnapshot(documents);
}

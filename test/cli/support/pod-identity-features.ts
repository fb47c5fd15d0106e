import { DescribePodIdentityAssociationCommand, ListPodIdentityAssociationsCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand, Role } from '@aws-sdk/client-iam';
import { CHAIN_TARGET_ROLE_NAME } from '../../../lib/lab-names';
import { PodPhase, SCENARIOS } from '../../../lib/scenarios';
import { mockedAws } from './aws';
import { FakeCluster, podObject } from './fake-cluster';

const ACCOUNT = '123456789012';

/** What the EKS Pod Identity webhook injects into a pod whose service account has an association. */
export const POD_IDENTITY_ENV = [
  { name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' },
  {
    name: 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
    value: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
  },
];

export const ROLE_ARNS = {
  abac: `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-pod-identity-advanced-AbacRole9A8824-AbCdEf123456`,
  chainSource: `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-pod-identity-advanced-ChainSourceRol-Q1w2E3r4T5y6`,
  chainTarget: `arn:aws:iam::${ACCOUNT}:role/${CHAIN_TARGET_ROLE_NAME}`,
  sessionPolicy: `arn:aws:iam::${ACCOUNT}:role/eks-oidc-demo-pod-identity-advanced-SessionPolicyR-Z9y8X7w6V5u4`,
};

/** The associations of the advanced stack as EKS describes them, by namespace. */
export function deployedAssociations() {
  const common = { clusterName: 'eks-oidc-demo', serviceAccount: 'eks-iam-test' };
  return {
    'team-a': { ...common, namespace: 'team-a', associationId: 'a-teama0000000000001', roleArn: ROLE_ARNS.abac, disableSessionTags: false },
    'team-b': { ...common, namespace: 'team-b', associationId: 'a-teamb0000000000001', roleArn: ROLE_ARNS.abac, disableSessionTags: false },
    'role-chaining': {
      ...common,
      namespace: 'role-chaining',
      associationId: 'a-chain0000000000001',
      roleArn: ROLE_ARNS.chainSource,
      targetRoleArn: ROLE_ARNS.chainTarget,
      disableSessionTags: false,
      externalId: `us-east-2/${ACCOUNT}/eks-oidc-demo/role-chaining/eks-iam-test`,
    },
    'session-policy': {
      ...common,
      namespace: 'session-policy',
      associationId: 'a-session00000000001',
      roleArn: ROLE_ARNS.sessionPolicy,
      disableSessionTags: true,
      policy: '{"Statement":[{"Action":"s3:ListAllMyBuckets","Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}',
    },
  } as Record<string, Record<string, unknown> & { associationId: string; namespace: string }>;
}

/** Answers ListPodIdentityAssociations and DescribePodIdentityAssociation from `associations`. */
export function mockAssociations(aws: ReturnType<typeof mockedAws>, associations = deployedAssociations()): void {
  // namespace and serviceAccount are optional filters (EKS API reference, ListPodIdentityAssociations).
  aws.mocks.eks.on(ListPodIdentityAssociationsCommand).callsFake((input: { namespace?: string; serviceAccount?: string }) => ({
    associations: Object.values(associations)
      .filter((a) => (input.namespace ?? a.namespace) === a.namespace && (input.serviceAccount ?? a.serviceAccount) === a.serviceAccount)
      .map(({ clusterName, namespace, serviceAccount, associationId }) => ({ clusterName, namespace, serviceAccount, associationId })),
  }));
  aws.mocks.eks.on(DescribePodIdentityAssociationCommand).callsFake((input: { associationId?: string }) => ({
    association: Object.values(associations).find((a) => a.associationId === input.associationId),
  }));
}

/** The trust EKS Pod Identity needs (EKS User Guide, pod-id-role.html): the service principal, with AssumeRole and TagSession. */
const POD_IDENTITY_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
};

/**
 * The feature scenarios' roles as IAM's GetRole returns them, each with the trust its stack gives
 * it: the association roles trust EKS Pod Identity, and the chain's target role trusts the chain's
 * source role by ARN. The trust is URL-encoded, as the API returns it (IAM API reference, GetRole).
 */
export function featureRoles(): Record<string, Role> {
  const chainTargetTrust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { AWS: ROLE_ARNS.chainSource }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
  };
  const trusts: [string, object][] = [
    [ROLE_ARNS.abac, POD_IDENTITY_TRUST],
    [ROLE_ARNS.chainSource, POD_IDENTITY_TRUST],
    [ROLE_ARNS.chainTarget, chainTargetTrust],
    [ROLE_ARNS.sessionPolicy, POD_IDENTITY_TRUST],
  ];
  return Object.fromEntries(
    trusts.map(([arn, trust]) => {
      const name = arn.slice(arn.lastIndexOf('/') + 1);
      return [
        name,
        {
          RoleName: name,
          Arn: arn,
          Path: '/',
          RoleId: 'AROAEXAMPLE',
          CreateDate: new Date(),
          AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
        },
      ];
    }),
  );
}

/** Answers GetRole for the feature scenarios' roles, beside whatever else the test answers. */
export function mockFeatureRoles(aws: ReturnType<typeof mockedAws>): void {
  for (const [name, role] of Object.entries(featureRoles())) aws.mocks.iam.on(GetRoleCommand, { RoleName: name }).resolves({ Role: role });
}

/** Every pod of the feature scenarios, injected and ended as the table expects, and their service accounts, in the fake cluster. */
export function deployFeaturePods(cluster: FakeCluster): void {
  for (const scenario of SCENARIOS.filter((s) => s.probes)) {
    cluster.serviceAccounts.set(`${scenario.namespace}/${scenario.serviceAccount}`, {
      kind: 'ServiceAccount',
      apiVersion: 'v1',
      metadata: { name: scenario.serviceAccount, namespace: scenario.namespace },
    });
    for (const probe of scenario.probes!) {
      const succeeded = probe.expected.phase === PodPhase.SUCCEEDED;
      cluster.addPod({
        object: podObject({
          namespace: scenario.namespace,
          name: probe.pod,
          phase: probe.expected.phase,
          exitCode: succeeded ? 0 : 254,
          serviceAccount: scenario.serviceAccount,
          env: POD_IDENTITY_ENV,
        }),
        log: succeeded
          ? '{\n    "AcceptRanges": "bytes",\n    "ContentLength": 43\n}\n'
          : `\n${probe.expected.logSignature}: Access Denied\n`,
      });
    }
  }
}

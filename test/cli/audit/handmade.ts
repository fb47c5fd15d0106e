import {
  IRSA_ROLE_ARN,
  ISSUER_HOST_PATH,
  POD_IDENTITY_ROLE_ARN,
  association,
  healthySnapshot,
  irsaTrust,
  pod,
  role,
  serviceAccount,
} from '../rules/support/snapshot';

/**
 * Hand-made snapshots of what the lab does not deploy, each one mistake over the healthy snapshot,
 * with the rule that must name it. None is a recorded response (see ../rules/support/snapshot.ts).
 */
export const HANDMADE: Record<string, { snapshot: () => Record<string, any>; expect: string[]; verifiable?: false }> = {
  'wildcard under StringEquals': {
    snapshot: () => ({
      ...healthySnapshot(),
      roles: [
        role(IRSA_ROLE_ARN, irsaTrust('system:serviceaccount:web:*')),
        role(POD_IDENTITY_ROLE_ARN, {
          Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }],
        }),
      ],
    }),
    expect: ['EKSIRSA4'],
  },
  'trust with no sub': {
    snapshot: () => {
      const snapshot = healthySnapshot();
      const trust = irsaTrust() as any;
      delete trust.Statement[0].Condition.StringEquals[`${ISSUER_HOST_PATH}:sub`];
      snapshot.roles[0] = role(IRSA_ROLE_ARN, trust);
      return snapshot;
    },
    expect: ['EKSIRSA5'],
  },
  'orphan association': {
    snapshot: () => {
      const snapshot = healthySnapshot();
      snapshot.associations.push(association('a-orphan0000000001', 'billing', 'worker', POD_IDENTITY_ROLE_ARN));
      return snapshot;
    },
    expect: ['EKSPI5'],
  },
  'IMDSv1 node': {
    snapshot: () => {
      const snapshot = healthySnapshot();
      snapshot.instances.Reservations[0].Instances[0].MetadataOptions.HttpTokens = 'optional';
      return snapshot;
    },
    // The node, and the one pod with no role of its own that now reaches the node role.
    expect: ['EKSIMDS1', 'EKSIMDS3'],
  },
  'keys in env': {
    snapshot: () => {
      const snapshot = healthySnapshot();
      // The AWS documentation's example key pair (IAM User Guide, id_credentials_access-keys).
      snapshot.pods.items.push(
        pod('legacy', 'batch-1', 'default', [
          { name: 'AWS_ACCESS_KEY_ID', value: 'AKIAIOSFODNN7EXAMPLE' },
          { name: 'AWS_SECRET_ACCESS_KEY', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
        ]),
      );
      snapshot.serviceAccounts.items.push(serviceAccount('legacy', 'default'));
      return snapshot;
    },
    expect: ['EKSKEYS1'],
  },
  'cross-account role': {
    snapshot: () => {
      const snapshot = healthySnapshot();
      snapshot.serviceAccounts.items[0] = serviceAccount('web', 'reports', 'arn:aws:iam::123456789012:role/reports-reader');
      snapshot.pods.items[0].spec.containers[0].env[0].value = 'arn:aws:iam::123456789012:role/reports-reader';
      snapshot.roles = snapshot.roles.slice(1);
      return snapshot;
    },
    expect: ['EKSIRSA1'],
    verifiable: false,
  },
};

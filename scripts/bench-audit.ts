/**
 * Times `lab audit`'s analysis (model and rules, no collection) of a generated snapshot of 1,000
 * pods, 500 service accounts and 300 roles; `npm run bench` prints it. Usage: tsx scripts/bench-audit.ts
 */
import { runRules } from '../lib/cli/rules';
import { modelFromSnapshot } from '../lib/cli/sources/snapshot';

const ACCOUNT = '111122223333';
const HOST_PATH = 'oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`;

/** Service account i uses role i % 300: IRSA for even roles, Pod Identity for odd ones. */
export function generatedSnapshot(): Record<string, unknown> {
  const roleArn = (i: number) => `arn:aws:iam::${ACCOUNT}:role/role-${i % 300}`;
  const accounts = Array.from({ length: 500 }, (_, i) => ({
    metadata: { namespace: `ns-${i % 50}`, name: `sa-${i}`, annotations: i % 2 === 0 ? { 'eks.amazonaws.com/role-arn': roleArn(i) } : {} },
  }));
  const pods = Array.from({ length: 1000 }, (_, i) => {
    const sa = i % 500;
    const env =
      sa % 2 === 0
        ? [
            { name: 'AWS_ROLE_ARN', value: roleArn(sa) },
            { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
          ]
        : [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://169.254.170.23/v1/credentials' }];
    return {
      metadata: { namespace: `ns-${sa % 50}`, name: `pod-${i}` },
      spec: {
        serviceAccountName: `sa-${sa}`,
        nodeName: `node-${i % 20}`,
        containers: [{ name: 'app', image: 'public.ecr.aws/aws-cli/aws-cli:2.22.0', env }],
      },
    };
  });
  const roles = Array.from({ length: 300 }, (_, i) => ({
    RoleName: `role-${i}`,
    Arn: `arn:aws:iam::${ACCOUNT}:role/role-${i}`,
    AssumeRolePolicyDocument: {
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: PROVIDER },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${HOST_PATH}:sub`]: accounts
                .filter((_, a) => a % 300 === i)
                .map((a) => `system:serviceaccount:${a.metadata.namespace}:${a.metadata.name}`),
              [`${HOST_PATH}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
        { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
      ],
    },
  }));
  return {
    cluster: {
      cluster: {
        name: 'bench',
        arn: `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/bench`,
        identity: { oidc: { issuer: `https://${HOST_PATH}` } },
      },
    },
    serviceAccounts: { items: accounts },
    pods: { items: pods },
    nodes: {
      items: Array.from({ length: 20 }, (_, i) => ({
        metadata: { name: `node-${i}` },
        spec: { providerID: `aws:///eu-west-1a/i-${i.toString(16).padStart(17, '0')}` },
      })),
    },
    roles,
    associations: accounts
      .filter((_, i) => i % 2 === 1)
      .map((a, i) => ({
        associationId: `a-${i}`,
        namespace: a.metadata.namespace,
        serviceAccount: a.metadata.name,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/role-${(2 * i + 1) % 300}`,
      })),
    providers: { [PROVIDER]: { Url: HOST_PATH, ClientIDList: ['sts.amazonaws.com'] } },
    addons: { addons: ['eks-pod-identity-agent'] },
  };
}

if (require.main === module) {
  const snapshot = generatedSnapshot();
  const start = process.hrtime.bigint();
  const findings = runRules(modelFromSnapshot(snapshot));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(
    `${'lab audit analysis'.padEnd(24)} ${(ms / 1000).toFixed(2)} s  (1,000 pods, 500 service accounts, 300 roles; ${findings.length} findings)`,
  );
}

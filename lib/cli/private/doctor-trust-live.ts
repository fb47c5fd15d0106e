import { GetRoleCommand } from '@aws-sdk/client-iam';
import { IRSA_ROLE_ANNOTATION, POD_IDENTITY_PRINCIPAL, STS_AUDIENCE, STS_AUDIENCE_TYPO } from '../../lab-names';
import { ScenarioId, scenario as scenarioById } from '../../scenarios';
import { AwsClients } from '../aws-clients';
import { LabKube } from '../kube';
import { FindingList } from './findings';
import { associationsOf } from './pod-identity-associations';

/** What the trust checks need to know of the deployed lab. */
export interface TrustScope {
  /** The cluster's OIDC issuer URL, as EKS reports it. */
  readonly issuer?: string;
  readonly scenarios: ReadonlySet<ScenarioId>;
}

interface TrustStatement {
  readonly Effect?: string;
  readonly Action?: string | string[];
  readonly Principal?: { readonly Federated?: string | string[]; readonly Service?: string | string[] };
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * The trust mistakes the account shows: what the IRSA role and the Pod Identity role really
 * trust in IAM, and whether the Pod Identity pods were created before their association.
 */
export async function liveTrustChecks(aws: AwsClients, kube: LabKube, scope: TrustScope, findings: FindingList): Promise<void> {
  if (scope.scenarios.has(ScenarioId.IRSA) && scope.issuer) await checkIrsaTrust(aws, kube, scope.issuer, findings);
  if (scope.scenarios.has(ScenarioId.POD_IDENTITY)) await checkPodIdentityAssociation(aws, kube, findings);
}

async function trustOf(aws: AwsClients, roleArn: string): Promise<TrustStatement[] | undefined> {
  const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
  try {
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: roleName })))?.Role;
    // IAM returns the trust policy URL-encoded (IAM API reference, GetRole: AssumeRolePolicyDocument).
    const document = JSON.parse(decodeURIComponent(role?.AssumeRolePolicyDocument ?? '%7B%7D')) as { Statement?: TrustStatement[] };
    return document.Statement ?? [];
  } catch (err) {
    if ((err as { name?: string }).name === 'NoSuchEntityException') return undefined;
    throw err;
  }
}

const list = (value: string | string[] | undefined) => ([] as string[]).concat(value ?? []);
const allows = (statement: TrustStatement, action: string) => statement.Effect === 'Allow' && list(statement.Action).includes(action);

async function checkIrsaTrust(aws: AwsClients, kube: LabKube, issuer: string, findings: FindingList): Promise<void> {
  const irsa = scenarioById(ScenarioId.IRSA);
  const roleArn = (await kube.readServiceAccount(irsa.namespace, irsa.serviceAccount))?.metadata?.annotations?.[IRSA_ROLE_ANNOTATION];
  // Without an annotated role there is no trust to read; the service-account check names that.
  if (!roleArn?.includes(':role/')) return;
  const check = 'role trust in IAM';
  const trust = await trustOf(aws, roleArn);
  if (!trust) {
    findings.fail(ScenarioId.IRSA, check, `The annotation names ${roleArn}, which IAM does not have.`, 'Redeploy the irsa stack.');
    return;
  }
  const hostPath = issuer.replace(/^https:\/\//, '');
  const [, partition, account] = /^arn:([\w-]+):iam::(\d{12}):/.exec(roleArn) ?? [];
  const provider = `arn:${partition}:iam::${account}:oidc-provider/${hostPath}`;
  const statements = trust.filter((s) => allows(s, 'sts:AssumeRoleWithWebIdentity'));
  const statement = statements.find((s) => list(s.Principal?.Federated).includes(provider));
  if (!statement) {
    const trusted = statements.flatMap((s) => list(s.Principal?.Federated));
    findings.fail(
      ScenarioId.IRSA,
      check,
      `${roleArn} trusts ${trusted.length ? trusted.join(', ') : 'no OIDC provider'}, not the provider of the cluster's issuer ${hostPath}: STS refuses the role.`,
      `Trust Federated ${provider} with sts:AssumeRoleWithWebIdentity.`,
    );
    return;
  }
  const expected = { sub: `system:serviceaccount:${irsa.namespace}:${irsa.serviceAccount}`, aud: STS_AUDIENCE };
  const wrong = (['sub', 'aud'] as const).flatMap((claim) => {
    const actual = list(statement.Condition?.StringEquals?.[`${hostPath}:${claim}`]);
    if (actual.length === 1 && actual[0] === expected[claim]) return [];
    const typo = claim === 'aud' && actual.includes(STS_AUDIENCE_TYPO) ? ` ('${STS_AUDIENCE_TYPO}' is the common typo)` : '';
    return [`${claim} ${actual.length ? JSON.stringify(actual.join(', ')) : 'unchecked'} instead of "${expected[claim]}"${typo}`];
  });
  if (wrong.length > 0) {
    findings.fail(
      ScenarioId.IRSA,
      check,
      `${roleArn} requires ${wrong.join(' and ')} under StringEquals: the token never matches, so STS answers AccessDenied "Not authorized to perform sts:AssumeRoleWithWebIdentity".`,
      `Set StringEquals '${hostPath}:sub' to '${expected.sub}' and '${hostPath}:aud' to '${expected.aud}'.`,
    );
  } else {
    findings.pass(ScenarioId.IRSA, check, `${roleArn} trusts ${expected.sub} with aud ${expected.aud}, through ${provider}.`);
  }
}

async function checkPodIdentityAssociation(aws: AwsClients, kube: LabKube, findings: FindingList): Promise<void> {
  const podIdentity = scenarioById(ScenarioId.POD_IDENTITY);
  const [association] = await associationsOf(aws, podIdentity.namespace, podIdentity.serviceAccount);
  // No association at all is the 'association in EKS' check's finding; here there is nothing more to read.
  if (!association) return;
  const roleArn = association.roleArn ?? '?';
  const trust = await trustOf(aws, roleArn);
  const trusting = (trust ?? []).find((s) => s.Effect === 'Allow' && list(s.Principal?.Service).includes(POD_IDENTITY_PRINCIPAL));
  const missing = ['sts:AssumeRole', 'sts:TagSession'].filter((action) => !trusting || !allows(trusting, action));
  if (!trust) {
    findings.fail(
      ScenarioId.POD_IDENTITY,
      'role trust in IAM',
      `The association names ${roleArn}, which IAM does not have.`,
      'Redeploy the pod-identity stack.',
    );
  } else if (missing.length > 0) {
    findings.fail(
      ScenarioId.POD_IDENTITY,
      'role trust in IAM',
      `${roleArn} ${trusting ? `trusts ${POD_IDENTITY_PRINCIPAL} without ${missing.join(' and ')}` : `does not trust ${POD_IDENTITY_PRINCIPAL}`}: EKS Auth cannot assume it with session tags, so the agent answers the pods with an error.`,
      `Trust Service ${POD_IDENTITY_PRINCIPAL} with both sts:AssumeRole and sts:TagSession.`,
    );
  } else {
    findings.pass(
      ScenarioId.POD_IDENTITY,
      'role trust in IAM',
      `${roleArn} trusts ${POD_IDENTITY_PRINCIPAL} with sts:AssumeRole and sts:TagSession.`,
    );
  }

  // The webhook mutates a pod only when it is created (amazon-eks-pod-identity-webhook
  // `deploy/mutatingwebhook.yaml`), so a pod older than its association never gets its credentials.
  const createdAt = association.createdAt;
  if (!createdAt) return;
  for (const name of [podIdentity.s3LsPod, podIdentity.sleepPod].filter((n): n is string => n !== undefined)) {
    const created = (await kube.readPod(podIdentity.namespace, name))?.metadata?.creationTimestamp;
    if (!created) continue;
    const pod = `${podIdentity.namespace}/${name}`;
    if (new Date(created).getTime() < createdAt.getTime()) {
      findings.fail(
        ScenarioId.POD_IDENTITY,
        'pods after association',
        `Pod ${pod} was created at ${new Date(created).toISOString()}, before association ${association.associationId} (${createdAt.toISOString()}): it never got Pod Identity credentials.`,
        `Recreate it: \`npm run lab -- rerun ${ScenarioId.POD_IDENTITY}\` for the s3 ls pod, or \`kubectl -n ${podIdentity.namespace} delete pod ${name}\` and redeploy.`,
      );
    } else {
      findings.pass(
        ScenarioId.POD_IDENTITY,
        'pods after association',
        `Pod ${pod} was created after association ${association.associationId}.`,
      );
    }
  }
}

import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { LAB_CLUSTER } from '../cluster-contract';
import { LabError, firstLine } from './errors';
import { withTimeout } from './private/timeout';

/** Finds AWS credentials, like the SDK's default chain. */
export type CredentialsProvider = () => Promise<AwsCredentialIdentity>;
type AwsCredentialIdentity = Awaited<ReturnType<ReturnType<typeof defaultProvider>>>;

/** The AWS clients the lab CLI uses, all in the lab's region (IAM is global). */
export interface AwsClients {
  readonly cloudFormation: CloudFormationClient;
  readonly cloudTrail: CloudTrailClient;
  readonly logs: CloudWatchLogsClient;
  readonly ec2: EC2Client;
  readonly eks: EKSClient;
  readonly iam: IAMClient;
  readonly secretsManager: SecretsManagerClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
}

export interface ConnectAwsOptions {
  /**
   * Looks for credentials.
   * @default - the SDK's default chain: env, SSO, shared files, process, web identity, container
   */
  readonly credentials?: CredentialsProvider;
  /**
   * How long to look for credentials before giving up.
   * @default 5000
   */
  readonly timeoutMs?: number;
}

/** What to do when no credentials are found; one line, as every CLI error. */
export const NO_CREDENTIALS_MESSAGE =
  'No AWS credentials found. Run `aws configure` or set AWS_PROFILE, then retry (on EC2, set AWS_EC2_METADATA_DISABLED=false to use the instance role).';

/**
 * Finds credentials once, up front, and creates the clients with them.
 *
 * The SDK's chain ends with the EC2 instance metadata service, which on a laptop
 * means seconds of retries against 169.254.169.254 before it gives up. Unless the
 * user chose otherwise, that last step is switched off for this process.
 */
export async function connectAws(options: ConnectAwsOptions = {}): Promise<AwsClients> {
  if (process.env.AWS_EC2_METADATA_DISABLED === undefined) process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const provider: CredentialsProvider = options.credentials ?? (() => defaultProvider()());
  const identity = await resolveCredentials(provider, options.timeoutMs ?? 5000);
  return createAwsClients({ region: LAB_CLUSTER.region, credentials: identity, maxAttempts: 3 });
}

/** One client per AWS service the lab reads, all with the same configuration. */
export function createAwsClients(config: { region: string; credentials: AwsCredentialIdentity; maxAttempts?: number }): AwsClients {
  return {
    cloudFormation: new CloudFormationClient(config),
    cloudTrail: new CloudTrailClient(config),
    logs: new CloudWatchLogsClient(config),
    ec2: new EC2Client(config),
    eks: new EKSClient(config),
    iam: new IAMClient(config),
    secretsManager: new SecretsManagerClient(config),
    sts: new STSClient(config),
    s3: new S3Client(config),
  };
}

async function resolveCredentials(provider: CredentialsProvider, timeoutMs: number): Promise<AwsCredentialIdentity> {
  try {
    return await withTimeout(
      provider(),
      timeoutMs,
      () =>
        new LabError(
          `Timed out after ${timeoutMs / 1000}s looking for AWS credentials. Run \`aws configure\` or set AWS_PROFILE, then retry.`,
        ),
    );
  } catch (err) {
    throw credentialsError(err);
  }
}

function credentialsError(err: unknown): LabError {
  if (err instanceof LabError) return err;
  const name = (err as { name?: string }).name;
  const message = firstLine(err);
  const profile = process.env.AWS_PROFILE;
  if (/SSO|sso/.test(message))
    return new LabError(
      `The AWS SSO session is missing or expired (${message}). Run \`aws sso login${profile ? ` --profile ${profile}` : ''}\`, then retry.`,
    );
  if (name === 'CredentialsProviderError' || name === 'ProviderError') {
    if (profile)
      return new LabError(
        `AWS profile '${profile}' gives no credentials (${message}). Run \`aws configure --profile ${profile}\` or unset AWS_PROFILE, then retry.`,
      );
    return new LabError(NO_CREDENTIALS_MESSAGE);
  }
  return new LabError(`Cannot load AWS credentials: ${message}. Run \`aws configure\` or set AWS_PROFILE, then retry.`);
}

const REJECTED_CREDENTIALS = new Set([
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'AuthFailure',
]);

/** Turns an AWS service or network error into a one-line LabError, or returns undefined if it is neither. */
export function describeAwsError(err: unknown): LabError | undefined {
  const error = err as { name?: string; code?: string; $metadata?: unknown; message?: string };
  if (error?.$metadata !== undefined && error.name) {
    if (REJECTED_CREDENTIALS.has(error.name)) {
      return new LabError(
        `AWS rejected the credentials (${error.name}: ${firstLine(err)}). Refresh them (\`aws configure\`, \`aws sso login\`), then retry.`,
      );
    }
    if (/AccessDenied|UnauthorizedOperation/.test(error.name)) {
      return new LabError(
        `AWS denied the call (${error.name}: ${firstLine(err)}). Use an identity that may read the lab's resources, then retry.`,
      );
    }
    return new LabError(`AWS answered ${error.name}: ${firstLine(err)}`);
  }
  const code = error?.code ?? (err as { cause?: { code?: string } })?.cause?.code;
  if (typeof code === 'string' && /^(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH)$/.test(code)) {
    return new LabError(`Cannot reach AWS (${code}). Check your network or proxy, then retry.`);
  }
  return undefined;
}

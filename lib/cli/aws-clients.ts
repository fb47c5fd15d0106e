import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
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
  /**
   * CloudTrail in us-east-1, where calls to global endpoints (sts.amazonaws.com,
   * s3.amazonaws.com without a region) are logged.
   */
  readonly cloudTrailGlobal: CloudTrailClient;
  readonly logs: CloudWatchLogsClient;
  readonly ec2: EC2Client;
  readonly eks: EKSClient;
  readonly iam: IAMClient;
  readonly kms: KMSClient;
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

/** The region where CloudTrail logs calls made to global endpoints. */
export const GLOBAL_ENDPOINT_REGION = 'us-east-1';

/** How long the lab waits for AWS: every client, every call. */
export interface AwsTimeouts {
  /**
   * How long to wait for a TCP connection to an AWS endpoint.
   * @default 3000
   */
  readonly connectionTimeoutMs?: number;
  /**
   * How long one request may take once connected.
   * @default 15000
   */
  readonly requestTimeoutMs?: number;
  /**
   * Attempts per call, the first included, with the SDK's backoff between them.
   * @default 3
   */
  readonly maxAttempts?: number;
}

/**
 * The timeouts every client gets. @smithy/node-http-handler has no connection or
 * request timeout unless given one, and a requestTimeout only logs a warning unless
 * `throwOnRequestTimeout` is set (set-request-timeout.ts); the standard retry strategy
 * makes 3 attempts (@smithy/util-retry DEFAULT_MAX_ATTEMPTS), so a black-holed
 * endpoint costs at most about 3 × (connection timeout + backoff).
 */
export const DEFAULT_AWS_TIMEOUTS: Required<AwsTimeouts> = { connectionTimeoutMs: 3000, requestTimeoutMs: 15000, maxAttempts: 3 };

export interface ConnectAwsOptions extends AwsTimeouts {
  /**
   * Where every client sends its requests.
   * @default - each service's own endpoint for the lab's region
   */
  readonly endpoint?: string;
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

/**
 * Finds credentials once, up front, so a missing login fails before any output,
 * and creates the clients with the provider itself: the SDK asks it again when the
 * credentials are about to expire, so a long `trail --wait` keeps working.
 *
 * The SDK's chain ends with the EC2 instance metadata service, which on a laptop
 * means seconds of retries against 169.254.169.254 before it gives up. Unless the
 * user chose otherwise, that last step is switched off for this process.
 */
export async function connectAws(options: ConnectAwsOptions = {}): Promise<AwsClients> {
  if (process.env.AWS_EC2_METADATA_DISABLED === undefined) process.env.AWS_EC2_METADATA_DISABLED = 'true';
  // One provider for the whole run: defaultProvider() memoizes and refreshes what it found.
  const chain: CredentialsProvider = options.credentials ?? defaultProvider();
  const timeoutMs = options.timeoutMs ?? 5000;
  await resolveCredentials(chain, timeoutMs);
  return createAwsClients({
    ...options,
    region: LAB_CLUSTER.region,
    credentials: () => resolveCredentials(chain, timeoutMs),
  });
}

/** What every client is created with. */
export interface AwsClientsConfig extends AwsTimeouts {
  readonly region: string;
  /** Credentials, or a provider the SDK calls again when they are about to expire. */
  readonly credentials: AwsCredentialIdentity | CredentialsProvider;
  /**
   * Where every client sends its requests.
   * @default - each service's own endpoint for the region
   */
  readonly endpoint?: string;
}

/** One client per AWS service the lab reads, all with the same configuration. */
export function createAwsClients(config: AwsClientsConfig): AwsClients {
  const timeouts = { ...DEFAULT_AWS_TIMEOUTS, ...definedOnly(config) };
  const common = {
    region: config.region,
    credentials: config.credentials,
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
  };
  return {
    cloudFormation: new CloudFormationClient(common),
    cloudTrail: new CloudTrailClient(common),
    cloudTrailGlobal: new CloudTrailClient({ ...common, region: GLOBAL_ENDPOINT_REGION }),
    logs: new CloudWatchLogsClient(common),
    ec2: new EC2Client(common),
    eks: new EKSClient(common),
    iam: new IAMClient(common),
    kms: new KMSClient(common),
    secretsManager: new SecretsManagerClient(common),
    sts: new STSClient(common),
    s3: new S3Client(common),
  };
}

function definedOnly(timeouts: AwsTimeouts): AwsTimeouts {
  return Object.fromEntries(
    (['connectionTimeoutMs', 'requestTimeoutMs', 'maxAttempts'] as const)
      .filter((key) => timeouts[key] !== undefined)
      .map((key) => [key, timeouts[key]]),
  );
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
  const error = err as { name?: string; code?: string; $metadata?: { httpStatusCode?: number }; message?: string };
  if (error?.name === 'TimeoutError') {
    return new LabError(`AWS did not answer in time (${firstLine(err)}). Check your network or proxy, then retry.`);
  }
  // The SDK wraps a failed connection as "AWS SDK error wrapper for Error: connect ECONNREFUSED …".
  const code = error?.code ?? (err as { cause?: { code?: string } })?.cause?.code ?? error?.message;
  const network = typeof code === 'string' ? NETWORK_ERROR.exec(code)?.[0] : undefined;
  if (network && error?.$metadata?.httpStatusCode === undefined) {
    return new LabError(`Cannot reach AWS (${network}). Check your network or proxy, then retry.`);
  }
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
    if (/Throttl|TooManyRequests|RequestLimitExceeded/.test(error.name)) {
      return new LabError(
        `AWS throttled the call (${error.name}: ${firstLine(err)}) after ${attemptsOf(err)} attempt(s). Wait a minute, then retry.`,
      );
    }
    return new LabError(`AWS answered ${error.name}: ${firstLine(err)}`);
  }
  return undefined;
}

const NETWORK_ERROR = /\b(ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH)\b/;

function attemptsOf(err: unknown): number | string {
  return (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? '?';
}

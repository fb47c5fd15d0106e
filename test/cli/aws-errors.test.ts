import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { AwsClientsConfig, createAwsClients, connectAws, describeAwsError } from '../../lib/cli/aws-clients';
import { DUMMY_CREDENTIALS } from './support/aws';
import { FakeAwsEndpoint, FakeAwsReply, awsJsonError } from './support/fake-aws';

/**
 * The error replies below copy no published LookupEvents answer. Their codes are
 * ones AWS documents (CloudTrail API reference, LookupEvents and its common errors:
 * AccessDeniedException, ThrottlingException, InternalFailure), the messages stand in for AWS's, and
 * the tests assert only how the CLI passes code and message on.
 */
/** Short timeouts: a test that waits, waits milliseconds. */
const FAST: Partial<AwsClientsConfig> = { connectionTimeoutMs: 200, requestTimeoutMs: 300, maxAttempts: 2 };
const NO_EVENTS: FakeAwsReply = { status: 200, body: { Events: [] } };

describe('the AWS clients against a loopback endpoint', () => {
  let endpoint: FakeAwsEndpoint | undefined;
  afterEach(() => endpoint?.stop());

  async function serve(answer: (index: number) => FakeAwsReply) {
    endpoint = await new FakeAwsEndpoint((_request, index) => answer(index)).start();
    return createAwsClients({ region: 'us-east-2', credentials: DUMMY_CREDENTIALS, endpoint: endpoint.url, ...FAST });
  }

  /** The error a LookupEvents call ends with, as the CLI prints it. */
  async function failure(clients: ReturnType<typeof createAwsClients>): Promise<string | undefined> {
    const err = await clients.cloudTrail.send(new LookupEventsCommand({})).then(
      () => undefined,
      (e: unknown) => e,
    );
    return describeAwsError(err)?.message;
  }

  test('fails after its request timeout, on every attempt, when the endpoint never answers', async () => {
    const clients = await serve(() => 'hang');
    expect(await failure(clients)).toMatch(
      /^AWS did not answer in time \(.*exceeded the configured 300 ms requestTimeout.*\)\. Check your network/,
    );
    expect(endpoint!.requests).toHaveLength(FAST.maxAttempts!);
  });

  test('fails with one line naming the access that is missing on AccessDenied, without retrying', async () => {
    const clients = await serve(() =>
      awsJsonError(
        400,
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/alice is not authorized to perform: cloudtrail:LookupEvents',
      ),
    );
    expect(await failure(clients)).toBe(
      "AWS denied the call (AccessDeniedException: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: cloudtrail:LookupEvents). Use an identity that may read the lab's resources, then retry.",
    );
    expect(endpoint!.requests).toHaveLength(1);
  });

  test('retries a throttled call with the SDK backoff, and succeeds', async () => {
    const clients = await serve((index) => (index === 0 ? awsJsonError(400, 'ThrottlingException', 'Rate exceeded') : NO_EVENTS));
    await expect(clients.cloudTrail.send(new LookupEventsCommand({}))).resolves.toMatchObject({ Events: [] });
    expect(endpoint!.requests).toHaveLength(2);
  });

  test('fails with what to do when throttling outlasts the attempts', async () => {
    const clients = await serve(() => awsJsonError(400, 'ThrottlingException', 'Rate exceeded'));
    expect(await failure(clients)).toBe(
      'AWS throttled the call (ThrottlingException: Rate exceeded) after 2 attempt(s). Wait a minute, then retry.',
    );
  });

  test('retries a 5xx and names the error when it persists', async () => {
    const clients = await serve(() => awsJsonError(500, 'InternalFailure', 'We encountered an internal error. Please try again.'));
    expect(await failure(clients)).toBe('AWS answered InternalFailure: We encountered an internal error. Please try again.');
    expect(endpoint!.requests).toHaveLength(2);
  });

  test('fails with one line when nothing listens at the endpoint', async () => {
    const clients = await serve(() => NO_EVENTS);
    await endpoint!.stop();
    expect(await failure(clients)).toBe('Cannot reach AWS (ECONNREFUSED). Check your network or proxy, then retry.');
  });
});

describe('credentials on long runs', () => {
  let endpoint: FakeAwsEndpoint | undefined;
  afterEach(() => endpoint?.stop());

  test('GIVEN credentials that expire within minutes WHEN calls go on THEN connectAws asks the chain again and signs with the new ones', async () => {
    // GIVEN: a chain that hands out session credentials valid for one more minute, a new key each time
    let handedOut = 0;
    const chain = async () => {
      handedOut++;
      return {
        ...DUMMY_CREDENTIALS,
        accessKeyId: `ASIAEXAMPLE${handedOut}`,
        sessionToken: 'session',
        expiration: new Date(Date.now() + 60_000),
      };
    };
    endpoint = await new FakeAwsEndpoint(() => ({ status: 200, body: { Events: [] } })).start();
    const { cloudTrail } = await connectAws({ credentials: chain, endpoint: endpoint.url });

    // WHEN
    await cloudTrail.send(new LookupEventsCommand({}));
    await cloudTrail.send(new LookupEventsCommand({}));

    // THEN: each call found the credentials about to expire and asked the chain again
    const keys = endpoint.requests.map((r) => /Credential=(\w+)\//.exec(r.authorization ?? '')?.[1]);
    expect(keys).toHaveLength(2);
    expect(new Set([...keys, 'ASIAEXAMPLE1']).size).toBe(3);
  });

  test('GIVEN credentials without expiry THEN the clients ask the chain once, and keep what it gave', async () => {
    let handedOut = 0;
    const clients = await connectAws({
      credentials: async () => {
        handedOut++;
        return DUMMY_CREDENTIALS;
      },
    });
    const provider = clients.iam.config.credentials as unknown as () => Promise<unknown>;
    await provider();
    await provider();
    // One look up front, one by the clients' memoized provider.
    expect(handedOut).toBe(2);
  });
});

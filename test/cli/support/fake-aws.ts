import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/** What the fake endpoint answers to one request; `hang` never answers. */
export type FakeAwsReply = { status: number; body: unknown; headers?: Record<string, string> } | 'hang';

/** One request as the fake endpoint saw it. */
export interface FakeAwsRequest {
  readonly method: string;
  readonly path: string;
  /** `X-Amz-Target` of JSON protocols, e.g. `…CloudTrail_20131101.LookupEvents`. */
  readonly target?: string;
  readonly authorization?: string;
  readonly body: string;
}

/**
 * An AWS endpoint on 127.0.0.1: the real SDK clients talk to it over HTTP, so their
 * timeouts, retries, credential refresh and error parsing run as they would against AWS.
 */
export class FakeAwsEndpoint {
  readonly requests: FakeAwsRequest[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly answer: (request: FakeAwsRequest, index: number) => FakeAwsReply) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const request: FakeAwsRequest = {
        method: req.method ?? '',
        path: req.url ?? '/',
        target: req.headers['x-amz-target'] as string | undefined,
        authorization: req.headers.authorization,
        body,
      };
      this.requests.push(request);
      const reply = this.answer(request, this.requests.length - 1);
      if (reply === 'hang') return;
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1', ...reply.headers });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
    });
  }
}

/** A JSON-protocol error as AWS sends it: the type in `__type`, the text in `message`. */
export function awsJsonError(status: number, type: string, message: string): FakeAwsReply {
  return { status, body: { __type: type, message }, headers: { 'x-amzn-errortype': type } };
}

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Context,
  EventBridgeEvent,
} from 'aws-lambda';
import { REQUEST_LIMITS } from '../../shared/domain/constants.ts';
import { httpApiEvent, httpApiResponse } from './http-api-event.ts';
import { invokeWithTimeout } from './lambda-context.ts';
import {
  type EventRule,
  matchesRule,
  PUT_EVENTS_LIMITS,
  type PutEventsEntry,
  putEventsResponse,
} from './put-events.ts';
import { eventTime } from './put-events-entry.ts';

type IntakeHandler = (
  event: APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>,
  context: Context,
) => Promise<APIGatewayProxyResultV2 | undefined>;

export interface HttpGatewayOptions {
  port: number;
  host?: string;
  routes: { method: string; path: string }[];
  rule: EventRule;
  intake: IntakeHandler;
  intakeTimeoutSeconds: number;
  /** Answers `GET /health`. */
  health: () => Promise<Record<string, unknown>>;
  /** Told about each request the intake answered and each event it was given. */
  onRequest?: (report: { method: string; statusCode: number; body: unknown; path: string }) => void;
  onEvent?: (report: { detailType: string; error?: unknown }) => void;
  /** Told about errors the gateway did not expect; they are written to stderr when not given. */
  onError?: (error: unknown) => void;
}

export interface HttpGateway {
  url: string;
  port: number;
  /** Stops accepting, then waits for the intake invocations still running. */
  stop(): Promise<void>;
}

/** A route template such as `/spaces/{spaceId}/invite` as a pattern with named groups. */
function routePattern(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      return name ? `(?<${name}>[^/]+)` : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

class PayloadTooLargeError extends Error {}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (declared > limit) throw new PayloadTooLargeError();
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of request) {
    size += (part as Buffer).length;
    if (size > limit) throw new PayloadTooLargeError();
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts);
}

function send(
  response: ServerResponse,
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(statusCode, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

function writeToStderr(error: unknown) {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`http gateway: unexpected error: ${text}\n`);
}

/**
 * Emulates the stack's public entry points on one port: the HTTP API's routes (payload
 * format 2.0, 10 MB limit), EventBridge's `PutEvents` (AWS JSON 1.1) with the intake's rule,
 * and `GET /health`.
 */
export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const routes = options.routes.map((route) => ({ ...route, pattern: routePattern(route.path) }));
  const onError = options.onError ?? writeToStderr;
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    work.finally(() => pending.delete(work));
  };
  const timeoutMs = options.intakeTimeoutSeconds * 1000;

  async function deliverEvent(entry: PutEventsEntry, eventId: string) {
    const event: EventBridgeEvent<string, unknown> = {
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: entry.Time ?? eventTime(Date.now() / 1000),
      region: process.env.AWS_REGION ?? 'us-east-1',
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail),
    };
    // Lambda retries a failed asynchronous invocation twice.
    let error: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await invokeWithTimeout(options.intake, event, 'intake', timeoutMs);
        options.onEvent?.({ detailType: entry.DetailType });
        return;
      } catch (caught) {
        error = caught;
      }
    }
    options.onEvent?.({ detailType: entry.DetailType, error });
  }

  async function putEvents(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request, PUT_EVENTS_LIMITS.maxRequestBytes);
    const { statusCode, output, accepted } = putEventsResponse(body.toString('utf8'));
    send(response, statusCode, output, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    for (const { entry, eventId } of accepted) {
      if (matchesRule(entry, options.rule)) track(deliverEvent(entry, eventId));
    }
  }

  async function route(request: IncomingMessage, response: ServerResponse) {
    // The request target is a path: resolved against a base, `//x` would read as an authority
    // and `//` would not parse at all.
    const target = request.url?.startsWith('/') ? request.url : '/';
    const url = new URL(`http://localhost${target}`);
    if (request.method === 'GET' && url.pathname === '/health') {
      send(response, 200, await options.health());
      return;
    }
    if (
      request.method === 'POST' &&
      url.pathname === '/' &&
      request.headers['x-amz-target'] === 'AWSEvents.PutEvents'
    ) {
      await putEvents(request, response);
      return;
    }
    const matched = routes
      .map((candidate) => ({ candidate, match: candidate.pattern.exec(url.pathname) }))
      .find((found) => found.match);
    if (!matched?.match) {
      send(response, 404, { message: 'Not Found' });
      return;
    }
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(
        Object.entries(matched.match.groups ?? {}).map(([name, value]) => [
          name,
          decodeURIComponent(value),
        ]),
      );
    } catch {
      send(response, 400, { message: 'Bad Request' });
      return;
    }
    const method = request.method ?? 'GET';
    const body = await readBody(request, REQUEST_LIMITS.maxBodyBytes);
    const routeKey = `${matched.candidate.method} ${matched.candidate.path}`;
    const event = httpApiEvent(request, { url, routeKey, pathParameters, body });
    const work = invokeWithTimeout(options.intake, event, 'intake', timeoutMs);
    track(work);
    let result: APIGatewayProxyResultV2 | undefined;
    try {
      result = await work;
    } catch {
      // As API Gateway answers when the integration fails.
      send(response, 500, { message: 'Internal Server Error' });
      options.onRequest?.({ method, statusCode: 500, body: undefined, path: url.pathname });
      return;
    }
    const answer = httpApiResponse(result);
    response.writeHead(answer.statusCode, answer.headers);
    response.end(answer.body);
    options.onRequest?.({
      method,
      statusCode: answer.statusCode,
      body: answer.json,
      path: url.pathname,
    });
  }

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (error instanceof PayloadTooLargeError && !response.headersSent) {
        send(response, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
        request.resume();
        return;
      }
      // The client left before its body arrived: there is nobody to answer.
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') onError(error);
      if (response.headersSent) response.destroy();
      else send(response, 500, { message: 'Internal Server Error' });
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...pending]);
      await closed;
    },
  };
}

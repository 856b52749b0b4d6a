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
import { invokeWithTimeout } from './lambda-context.ts';
import { listen } from './listen.ts';
import {
  type EventRule,
  matchesRule,
  type PutEventsEntry,
  putEventsResponse,
} from './put-events.ts';

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
  /** The region events and contexts name. */
  region: string;
  /** Answers `GET /health`. */
  health: () => Promise<Record<string, unknown>>;
  /** Told about each request the intake answered and each event it was given. */
  onRequest?: (report: { statusCode: number; body: unknown; path: string }) => void;
  onEvent?: (report: { detailType: string; error?: unknown }) => void;
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

function lowerCaseHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Writes a Lambda proxy result back as API Gateway HTTP API (payload 2.0) does. */
function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2 | undefined) {
  if (result === undefined || typeof result !== 'object' || !('statusCode' in result)) {
    // A result without statusCode is taken as a 200 JSON body.
    send(response, 200, result === undefined ? '' : JSON.stringify(result));
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  if (result.cookies?.length) headers['set-cookie'] = result.cookies;
  response.writeHead(result.statusCode ?? 200, headers);
  const body = result.body ?? '';
  response.end(result.isBase64Encoded ? Buffer.from(body, 'base64') : body);
}

/**
 * Emulates the stack's public entry points on one port: the HTTP API's routes (payload
 * format 2.0, 10 MB limit), EventBridge's `PutEvents` (AWS JSON 1.1) with the intake's rule,
 * and `GET /health`.
 */
export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const routes = options.routes.map((route) => ({ ...route, pattern: routePattern(route.path) }));
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
      time: entry.Time ?? new Date().toISOString(),
      region: options.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail),
    };
    // Lambda retries a failed asynchronous invocation twice.
    let error: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await invokeWithTimeout(options.intake, event, {
          functionName: 'intake',
          timeoutMs,
          region: options.region,
        });
        options.onEvent?.({ detailType: entry.DetailType });
        return;
      } catch (caught) {
        error = caught;
      }
    }
    options.onEvent?.({ detailType: entry.DetailType, error });
  }

  async function putEvents(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request, 1024 * 1024);
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
    const body = await readBody(request, REQUEST_LIMITS.maxBodyBytes);
    const contentType = request.headers['content-type'] ?? '';
    const textual =
      body.length === 0 || /json|text|xml|urlencoded/i.test(contentType) || contentType === '';
    const now = new Date();
    const requestId = randomUUID();
    const event: APIGatewayProxyEventV2 = {
      version: '2.0',
      routeKey: `${matched.candidate.method} ${matched.candidate.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: lowerCaseHeaders(request),
      pathParameters,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: request.headers.host ?? 'localhost',
        domainPrefix: 'local',
        http: {
          method: request.method ?? 'GET',
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? '',
        },
        requestId,
        routeKey: `${matched.candidate.method} ${matched.candidate.path}`,
        stage: '$default',
        time: now.toUTCString(),
        timeEpoch: now.getTime(),
      },
      isBase64Encoded: !textual,
      ...(body.length > 0
        ? { body: textual ? body.toString('utf8') : body.toString('base64') }
        : {}),
    };
    const work = invokeWithTimeout(options.intake, event, {
      functionName: 'intake',
      timeoutMs,
      region: options.region,
    });
    track(work);
    let result: APIGatewayProxyResultV2 | undefined;
    try {
      result = await work;
    } catch {
      // As API Gateway answers when the integration fails.
      send(response, 500, { message: 'Internal Server Error' });
      options.onRequest?.({ statusCode: 500, body: undefined, path: url.pathname });
      return;
    }
    writeResult(response, result);
    const statusCode =
      typeof result === 'object' && result && 'statusCode' in result
        ? (result.statusCode ?? 200)
        : 200;
    const resultBody =
      typeof result === 'object' && result && 'body' in result ? result.body : undefined;
    let parsed: unknown;
    try {
      parsed = typeof resultBody === 'string' ? JSON.parse(resultBody) : undefined;
    } catch {
      parsed = undefined;
    }
    options.onRequest?.({ statusCode, body: parsed, path: url.pathname });
  }

  const server: Server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      if (error instanceof PayloadTooLargeError) {
        send(response, 413, { message: 'Request Entity Too Large' }, { connection: 'close' });
        request.resume();
        return;
      }
      send(response, 500, { message: 'Internal Server Error' });
    });
  });
  await listen(server, options.port, options.host ?? '127.0.0.1');
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

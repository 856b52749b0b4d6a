import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  Context,
  EventBridgeEvent,
} from 'aws-lambda';
import { REQUEST_LIMITS } from '../../shared/domain/constants.ts';
import { browserRefusal } from './browser-guard.ts';
import { ConnectionTracker, type Exchange } from './connection-tracker.ts';
import { GatewayRequestError, RequestAbandonedError } from './gateway-errors.ts';
import { httpApiEvent, httpApiResponse } from './http-api-event.ts';
import { invokeWithTimeout, LOCAL_ACCOUNT_ID, leftoverOf } from './lambda-context.ts';
import { listen } from './listen.ts';
import {
  type EventRule,
  matchesRule,
  PUT_EVENTS_LIMITS,
  type PutEventsEntry,
  putEventsResponse,
} from './put-events.ts';
import { eventTime } from './put-events-entry.ts';
import { type BodyLimits, readBody } from './request-body.ts';

type IntakeHandler = (
  event: APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>,
  context: Context,
) => Promise<APIGatewayProxyResultV2 | undefined>;

/** A function behind the HTTP API only. */
export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2 | undefined>;

/** How long the gateway waits on a client, as API Gateway bounds each stage of a request. */
export interface GatewayTimeouts {
  /** From a request's first byte to the end of its headers. */
  headersMs: number;
  /** From a request's first byte to the end of its body. */
  requestMs: number;
  /** How long a connection may sit idle between requests. */
  idleMs: number;
  /** How long a refused connection keeps reading what the client still sends. */
  lingerMs: number;
}

export const GATEWAY_TIMEOUTS: GatewayTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  idleMs: 5_000,
  lingerMs: 1_000,
};

/** The waits before Lambda's two retries of a failed event: about a minute and two on AWS, seconds here. */
export const EVENT_RETRY_DELAYS_MS = [1_000, 2_000] as const;

/** A route of the HTTP API; without a function of its own, the intake answers it. */
export interface HttpRoute {
  method: string;
  path: string;
  function?: { name: string; handler: ApiHandler; timeoutSeconds: number };
}

export interface HttpGatewayOptions {
  port: number;
  host?: string;
  routes: HttpRoute[];
  rule: EventRule;
  intake: IntakeHandler;
  intakeTimeoutSeconds: number;
  /** The region events and contexts name. */
  region: string;
  /** Answers `GET /health`. */
  health: () => Promise<Record<string, unknown>>;
  /** Answers `GET /local/rate` (the operator console's rate page), when given. */
  rate?: () => unknown;
  /** Told about each request the intake answered and each event it was given. */
  onRequest?: (report: { method: string; statusCode: number; body: unknown; path: string }) => void;
  onEvent?: (report: { detailType: string; error?: unknown }) => void;
  /**
   * Given an event the intake failed on three times (Lambda's two retries spent), as the
   * function's on-failure destination is: the stack puts its record in the DLQ.
   */
  onEventFailed?: (event: EventBridgeEvent<string, unknown>, error: unknown) => Promise<void>;
  /** The waits before Lambda's two retries of a failed event; `EVENT_RETRY_DELAYS_MS` if not given. */
  eventRetryDelaysMs?: readonly [number, number];
  /** Told about errors the gateway did not expect; they are written to stderr when not given. */
  onError?: (error: unknown) => void;
  timeouts?: Partial<GatewayTimeouts>;
}

export interface HttpGateway {
  url: string;
  port: number;
  /** Resolves once the invocations and event deliveries started so far have ended. */
  settled(): Promise<void>;
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

// Node's own codes for what its HTTP parser refuses; anything else is a 400.
const CLIENT_ERROR_STATUS: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

function writeToStderr(error: unknown) {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`http gateway: unexpected error: ${text}\n`);
}

/**
 * Emulates the stack's public entry points on one port: the HTTP API's routes (payload
 * format 2.0, 10 MB limit), EventBridge's `PutEvents` (AWS JSON 1.1) with the intake's rule,
 * and `GET /health`. Every request read in full gets its own answer; a client that stalls
 * gets a 408, one that sends what HTTP cannot parse a 400, after the answers it is owed.
 */
export async function startHttpGateway(options: HttpGatewayOptions): Promise<HttpGateway> {
  const routes = options.routes.map((route) => ({ ...route, pattern: routePattern(route.path) }));
  const timeouts = { ...GATEWAY_TIMEOUTS, ...options.timeouts };
  const onError = options.onError ?? writeToStderr;
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    pending.add(work);
    // Whoever awaits `work` handles its failure; this only forgets it, and never rejects.
    const forget = () => pending.delete(work);
    work.then(forget, forget);
  };
  const timeoutMs = options.intakeTimeoutSeconds * 1000;
  const retryDelaysMs = options.eventRetryDelaysMs ?? EVENT_RETRY_DELAYS_MS;
  const connections = new ConnectionTracker({
    lingerMs: timeouts.lingerMs,
    // An owed answer comes within the intake's timeout, once it has the whole body.
    answerWithinMs: timeoutMs + 1_000,
  });

  function send(
    { response, abandoned }: Exchange,
    statusCode: number,
    body: string | Buffer,
    headers: OutgoingHttpHeaders,
  ) {
    if (abandoned.aborted) return;
    response.writeHead(statusCode, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  function sendJson(exchange: Exchange, statusCode: number, body: unknown, headers = {}) {
    send(exchange, statusCode, JSON.stringify(body), {
      'content-type': 'application/json',
      ...headers,
    });
  }

  function receive(exchange: Exchange, maxBytes: number): Promise<Buffer> {
    // Anything a client sends past the limit is read and dropped, up to as much again.
    const limits: BodyLimits = { maxBytes, discardBytes: maxBytes * 2 };
    return readBody(exchange.request, exchange.response, limits, exchange.abandoned);
  }

  async function deliverEvent(entry: PutEventsEntry, eventId: string) {
    const event: EventBridgeEvent<string, unknown> = {
      version: '0',
      id: eventId,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: LOCAL_ACCOUNT_ID,
      time: entry.Time ?? eventTime(Date.now() / 1000),
      region: options.region,
      resources: entry.Resources ?? [],
      detail: JSON.parse(entry.Detail),
    };
    // Lambda retries a failed asynchronous invocation twice, a while after each failure; an
    // invocation that timed out has stopped by then, so a retry never runs beside it.
    let error: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (attempt > 0) {
        await leftoverOf(error);
        await delay(retryDelaysMs[attempt - 1] ?? 0);
      }
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
    try {
      await options.onEventFailed?.(event, error);
    } catch (parkError) {
      onError(parkError);
    }
    await leftoverOf(error);
  }

  async function putEvents(exchange: Exchange) {
    const text = await receive(exchange, PUT_EVENTS_LIMITS.maxRequestBytes);
    const { statusCode, output, accepted } = putEventsResponse(text.toString('utf8'));
    sendJson(exchange, statusCode, output, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': randomUUID(),
    });
    for (const { entry, eventId } of accepted) {
      if (matchesRule(entry, options.rule)) track(deliverEvent(entry, eventId));
    }
  }

  async function invokeRoute(
    exchange: Exchange,
    url: URL,
    route: (typeof routes)[number],
    match: RegExpExecArray,
  ) {
    const { request } = exchange;
    const method = request.method ?? 'GET';
    let pathParameters: Record<string, string>;
    try {
      pathParameters = Object.fromEntries(
        Object.entries(match.groups ?? {}).map(([name, value]) => [
          name,
          decodeURIComponent(value),
        ]),
      );
    } catch {
      sendJson(exchange, 400, { message: 'Bad Request' });
      return;
    }
    const received = await receive(exchange, REQUEST_LIMITS.maxBodyBytes);
    const routeKey = `${route.method} ${route.path}`;
    const event = httpApiEvent(request, { url, routeKey, pathParameters, body: received });
    const target = route.function ?? {
      name: 'intake',
      handler: options.intake,
      timeoutSeconds: options.intakeTimeoutSeconds,
    };
    const work = invokeWithTimeout(target.handler, event, {
      functionName: target.name,
      timeoutMs: target.timeoutSeconds * 1000,
      region: options.region,
    });
    track(work.catch(leftoverOf));
    let result: APIGatewayProxyResultV2 | undefined;
    try {
      result = await work;
    } catch {
      // As API Gateway answers when the integration fails.
      sendJson(exchange, 500, { message: 'Internal Server Error' });
      options.onRequest?.({ method, statusCode: 500, body: undefined, path: url.pathname });
      return;
    }
    const answer = httpApiResponse(result);
    send(exchange, answer.statusCode, answer.body, answer.headers);
    options.onRequest?.({
      method,
      statusCode: answer.statusCode,
      body: answer.json,
      path: url.pathname,
    });
  }

  async function route(exchange: Exchange) {
    const { request } = exchange;
    const refused = browserRefusal(request.headers);
    if (refused !== undefined) {
      sendJson(exchange, 403, { message: refused });
      return;
    }
    // The request target is a path: resolved against a base, `//x` would read as an authority
    // and `//` would not parse at all.
    const target = request.url?.startsWith('/') ? request.url : '/';
    const url = new URL(`http://localhost${target}`);
    if (request.method === 'GET' && url.pathname === '/health') {
      sendJson(exchange, 200, await options.health());
      return;
    }
    if (request.method === 'GET' && url.pathname === '/local/rate' && options.rate) {
      sendJson(exchange, 200, options.rate());
      return;
    }
    if (
      request.method === 'POST' &&
      url.pathname === '/' &&
      request.headers['x-amz-target'] === 'AWSEvents.PutEvents'
    ) {
      await putEvents(exchange);
      return;
    }
    // A route is its method and its path, as the HTTP API's route keys are: any other method on
    // a route's path finds no route there either, and API Gateway answers 404 without invoking.
    for (const candidate of routes) {
      const match = candidate.method === request.method && candidate.pattern.exec(url.pathname);
      if (match) return invokeRoute(exchange, url, candidate, match);
    }
    sendJson(exchange, 404, { message: 'Not Found' });
  }

  function answerFailure(exchange: Exchange, error: unknown) {
    if (error instanceof RequestAbandonedError) return;
    if (error instanceof GatewayRequestError) {
      sendJson(exchange, error.statusCode, { message: error.message }, { connection: 'close' });
      return;
    }
    onError(error);
    if (exchange.response.headersSent) exchange.response.destroy();
    else sendJson(exchange, 500, { message: 'Internal Server Error' });
  }

  function handle(request: IncomingMessage, response: ServerResponse) {
    const exchange = connections.begin(request, response);
    route(exchange).catch((error: unknown) => {
      try {
        answerFailure(exchange, error);
      } catch (failure) {
        onError(failure);
        response.destroy();
      }
    });
  }

  const server: Server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      keepAliveTimeout: timeouts.idleMs,
      keepAliveTimeoutBuffer: Math.min(1_000, timeouts.idleMs),
      // Node checks the two timeouts at this interval, so it bounds how late they fire.
      connectionsCheckingInterval: Math.max(
        10,
        Math.min(1_000, Math.floor(timeouts.headersMs / 4)),
      ),
    },
    handle,
  );
  // Node's switch (long-standing, undocumented) that keeps answering a client which half-closes
  // after sending its requests; by default Node drops the answers it still owes.
  Object.assign(server, { httpAllowHalfOpen: true });
  // The body reader sends `100 Continue` itself, so an oversized body can be refused unsent.
  server.on('checkContinue', handle);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    connections.refuse(socket, CLIENT_ERROR_STATUS[error.code ?? ''] ?? 400);
  });
  // Node hands CONNECT to this event (or drops the connection when nothing listens).
  server.on('connect', (_request: IncomingMessage, socket) => connections.refuse(socket, 405));

  await listen(server, options.port, options.host ?? '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    async settled() {
      await Promise.allSettled([...pending]);
    },
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...pending]);
      connections.closeLingering();
      await closed;
      // A PutEvents answered while stopping (its body still arriving, or on a kept-alive
      // connection) is owed its delivery: the events it acknowledged are not dropped.
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

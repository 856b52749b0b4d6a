import { once } from 'node:events';
import {
  createServer,
  request as forward,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** An answer the proxy gives in the service's place. */
export interface ProxyAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * What the proxy does with one request:
 * - `forward`: passes it on, and the service's answer back;
 * - `drop`: closes the connection, and the service never sees the request;
 * - `hang`: never answers, and the service never sees the request (the connection stays open);
 * - `lose`: passes it on, then closes the connection instead of answering (the call landed);
 * - `garble`: passes it on, then answers 200 with half the service's body (the call landed);
 * - an answer: gives it, and the service never sees the request;
 * - `{ after }`: passes it on, then gives that answer instead of the service's.
 */
export type ProxyAction =
  | 'forward'
  | 'drop'
  | 'hang'
  | 'lose'
  | 'garble'
  | ProxyAnswer
  | { after: ProxyAnswer };

export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface ProxiedCall {
  request: ProxiedRequest;
  /** The status the caller got, or `drop` for a closed connection. */
  answer: number | 'drop';
  /** The `x-amzn-requestid` of the answer. */
  requestId?: string;
}

export interface FaultProxy {
  endpoint: string;
  /** Every request that reached the proxy, in order. */
  calls: ProxiedCall[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real service (the re:Post Private simulator, dynalite) that does
 * with each request what `script` says (given the request and its index from 1): the failures a
 * test needs, made on the wire, so that the real SDK reads, classifies and retries them as it
 * would a service's. The headers go on as signed, `Host` included.
 */
export async function startFaultProxy(
  target: string,
  script: (request: ProxiedRequest, index: number) => ProxyAction,
): Promise<FaultProxy> {
  const calls: ProxiedCall[] = [];
  const upstream = new URL(target);

  async function pass(request: ProxiedRequest): Promise<{ reply: IncomingMessage; body: Buffer }> {
    const outgoing = forward({
      host: upstream.hostname,
      port: upstream.port,
      method: request.method,
      path: request.path,
      headers: request.headers,
    });
    outgoing.end(request.body);
    const [reply] = (await once(outgoing, 'response')) as [IncomingMessage];
    const parts: Buffer[] = [];
    for await (const part of reply) parts.push(part as Buffer);
    return { reply, body: Buffer.concat(parts) };
  }

  const server = createServer((incoming, response) => {
    // A client gone mid-request ends the exchange; nothing is left unhandled.
    handle(incoming, response).catch(() => incoming.socket.destroy());
  });

  async function handle(incoming: IncomingMessage, response: ServerResponse) {
    const parts: Buffer[] = [];
    for await (const part of incoming) parts.push(part as Buffer);
    const request: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers: incoming.headers,
      body: Buffer.concat(parts),
    };
    const call: ProxiedCall = { request, answer: 'drop' };
    const index = calls.push(call);
    const action = script(request, index);
    const answer = (given: ProxyAnswer) => {
      call.answer = given.status;
      const text = given.body === undefined ? '' : JSON.stringify(given.body);
      response.writeHead(given.status, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': `proxy-${index}`,
        'content-length': String(Buffer.byteLength(text)),
        ...given.headers,
      });
      response.end(text);
    };
    if (action === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (action === 'hang') return;
    if (typeof action === 'object' && !('after' in action)) {
      answer(action);
      return;
    }
    let passed: Awaited<ReturnType<typeof pass>>;
    try {
      passed = await pass(request);
    } catch {
      // The service dropped it: so does the proxy, and the caller sees what the service did.
      incoming.socket.destroy();
      return;
    }
    const { reply, body } = passed;
    if (action === 'lose') {
      incoming.socket.destroy();
      return;
    }
    if (typeof action === 'object') {
      answer(action.after);
      return;
    }
    const requestId = reply.headers['x-amzn-requestid'];
    if (typeof requestId === 'string') call.requestId = requestId;
    const headers = { ...reply.headers };
    delete headers['transfer-encoding'];
    // No checksum of the whole body goes with a cut one.
    if (action === 'garble') delete headers['x-amz-crc32'];
    const sent = action === 'garble' ? body.subarray(0, Math.floor(body.length / 2)) : body;
    call.answer = action === 'garble' ? 200 : (reply.statusCode ?? 502);
    response.writeHead(call.answer, { ...headers, 'content-length': String(sent.length) });
    response.end(sent);
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    stop() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

import { once } from 'node:events';
import { createServer, request as forward, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one SendInvites call: pass it to the simulator, answer it itself as
 * the service would fail, or drop the connection.
 */
export type ScriptedAnswer =
  | 'forward'
  | 'drop'
  | { status: number; headers?: Record<string, string>; body?: Record<string, unknown> };

export interface ProxiedCall {
  path: string;
  authorization: string;
  accessorIds: string[];
  /** The status the caller got, or `drop`. */
  answer: number | 'drop';
  /** The `x-amzn-requestid` of the answer. */
  requestId?: string;
}

export interface RepostspaceFaultProxy {
  endpoint: string;
  /** Every call that reached the proxy, in order. */
  calls: ProxiedCall[];
  stop(): Promise<void>;
}

/**
 * An HTTP proxy in front of the re:Post Private simulator that answers the n-th call (from 1)
 * as `script` says: the failures a test needs in an exact order (a 429 with `Retry-After`, a
 * 500, a dropped connection), and everything else forwarded whole, so that the simulator
 * checks its signature and input and records what it delivers.
 */
export async function startRepostspaceFaultProxy(
  target: string,
  script: (call: number) => ScriptedAnswer,
): Promise<RepostspaceFaultProxy> {
  const calls: ProxiedCall[] = [];
  const upstream = new URL(target);
  const server = createServer(async (incoming, response) => {
    const parts: Buffer[] = [];
    for await (const part of incoming) parts.push(part as Buffer);
    const body = Buffer.concat(parts);
    const input = JSON.parse(body.toString('utf8')) as { accessorIds?: string[] };
    const answer = script(calls.length + 1);
    const call: ProxiedCall = {
      path: incoming.url ?? '',
      authorization: incoming.headers.authorization ?? '',
      accessorIds: input.accessorIds ?? [],
      answer: 'drop',
    };
    calls.push(call);
    if (answer === 'drop') {
      incoming.socket.destroy();
      return;
    }
    if (answer !== 'forward') {
      call.answer = answer.status;
      response.writeHead(answer.status, {
        'content-type': 'application/json',
        'x-amzn-requestid': `proxy-${calls.length}`,
        ...answer.headers,
      });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
      return;
    }
    // The headers as signed, Host included: the simulator checks the signature over them.
    const outgoing = forward({
      host: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path: incoming.url,
      headers: incoming.headers,
    });
    outgoing.end(body);
    let reply: IncomingMessage;
    try {
      [reply] = (await once(outgoing, 'response')) as [IncomingMessage];
    } catch {
      // The simulator dropped it: so does the proxy, and the caller sees what the simulator did.
      incoming.socket.destroy();
      return;
    }
    call.answer = reply.statusCode ?? 0;
    const requestId = reply.headers['x-amzn-requestid'];
    if (typeof requestId === 'string') call.requestId = requestId;
    response.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(response);
  });
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

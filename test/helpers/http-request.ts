import { once } from 'node:events';
import type { Agent, IncomingHttpHeaders, Server } from 'node:http';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer to a request sent with `sendRequest`. */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Sends a request with the path exactly as given (fetch would normalise it). Settles on the
 * response: a server that answers before reading a large body may reset the upload after it.
 */
export function sendRequest(
  base: URL,
  agent: Agent,
  options: {
    method: string;
    path: string;
    headers: Record<string, string | string[]>;
    body?: Buffer;
  },
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = request(
      {
        host: base.hostname,
        port: base.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        agent,
      },
      (response) => {
        answered = true;
        const parts: Buffer[] = [];
        response.on('data', (part: Buffer) => parts.push(part));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(parts).toString('utf8'),
          }),
        );
        response.on('error', reject);
      },
    );
    outgoing.on('error', (error) => {
      if (!answered) reject(error);
    });
    outgoing.end(options.body);
  });
}

/**
 * A loopback server that closes every connection as soon as a request arrives: a real dropped
 * connection, as fetch reports it. `url` is its base URL.
 */
export async function startDroppingServer(): Promise<{ server: Server; url: URL }> {
  const server = createServer((incoming) => incoming.socket.destroy());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { server, url: new URL(`http://127.0.0.1:${port}`) };
}

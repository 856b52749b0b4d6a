import type { Agent, IncomingHttpHeaders } from 'node:http';
import { request } from 'node:http';

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

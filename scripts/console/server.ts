import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';
import { listen } from '../../infra/local/listen.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { CsrfToken, refusal } from './guards.ts';
import { failureReply, type Reply, routeFor } from './routes.ts';

/** The console only ever listens here: it holds the operator's credentials. */
export const CONSOLE_HOST = '127.0.0.1';

const MAX_FORM_BYTES = 4_096;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // Not no-referrer: under it browsers send `Origin: null` with a form's POST, which is refused.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface ConsoleServerOptions {
  port: number;
  backend: ConsoleBackend;
  /**
   * Told about failures: the route (never its path or query, which can hold IDs) and the
   * error's name and message. Nothing else is ever written, titles, bodies and IDs least of all.
   */
  log?: (line: string) => void;
}

async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  const length = Number(request.headers['content-length'] ?? 0);
  if (length > MAX_FORM_BYTES) return new URLSearchParams();
  return new URLSearchParams((await text(request)).slice(0, MAX_FORM_BYTES));
}

async function send(response: ServerResponse, reply: Reply, head: boolean): Promise<void> {
  response.writeHead(reply.status, { ...SECURITY_HEADERS, ...reply.headers });
  if (head) {
    response.end();
    return;
  }
  if (reply.stream === undefined) {
    response.end(reply.body ?? '');
    return;
  }
  for await (const chunk of reply.stream) {
    if (!response.write(chunk)) await new Promise((resolve) => response.once('drain', resolve));
  }
  response.end();
}

/**
 * Starts the operator console's web server on 127.0.0.1 only. It refuses a `Host` other than
 * localhost, 127.0.0.1 or [::1] (403), and any request but GET or HEAD whose `Origin` is not
 * its own (403); the redrive form also carries a per-process CSRF token.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { backend } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const csrf = new CsrfToken();
  let port = options.port;

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const method = request.method ?? 'GET';
    const refused = refusal(request, port);
    if (refused !== undefined) {
      request.resume();
      await send(
        response,
        {
          status: 403,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
          body: `${refused}\n`,
        },
        false,
      );
      return;
    }
    // The path appended, not resolved: `//x:99999/` is a path here, not another host.
    const target = request.url?.startsWith('/') ? request.url : '/';
    const url = URL.parse(`http://${CONSOLE_HOST}${target}`) ?? new URL(`http://${CONSOLE_HOST}/`);
    const route = routeFor(method, url.pathname);
    if (route === undefined) {
      request.resume();
      const known = routeFor('GET', url.pathname) !== undefined;
      await send(
        response,
        known
          ? {
              status: 405,
              headers: { allow: 'GET, HEAD', 'content-type': 'text/plain' },
              body: 'Method not allowed\n',
            }
          : { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not found\n' },
        method === 'HEAD',
      );
      return;
    }
    let reply: Reply;
    try {
      const form = method === 'POST' ? await readForm(request) : undefined;
      reply = await route({ backend, csrf, url, ...(form ? { form } : {}) });
    } catch (error) {
      log(`console: ${method} ${routeName(url.pathname)} failed: ${describe(error)}`);
      reply = failureReply(error, backend);
    }
    await send(response, reply, method === 'HEAD');
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`console: answering failed: ${describe(error)}`);
      response.destroy();
    });
  });
  await listen(server, options.port, CONSOLE_HOST);
  // Named from the address bound, so that what the console prints is where it really listens.
  const bound = server.address() as AddressInfo;
  port = bound.port;
  return {
    url: `http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The route's shape, with the request ID left out. */
function routeName(path: string): string {
  return path.replace(/^\/requests\/[^/]+/, '/requests/{requestId}');
}

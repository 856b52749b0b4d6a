import { connect } from 'node:net';

/** One response read off the wire. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** Bytes after the last whole response: a response cut short, or garbage. */
  rest: string;
  /** Whether the server closed the connection (rather than the client, at `timeoutMs`). */
  closedByServer: boolean;
  /** The client's write or read failed (EPIPE, ECONNRESET) before the server closed. */
  error?: string;
  elapsedMs: number;
}

const HEAD_END = Buffer.from('\r\n\r\n');

function parseHead(head: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? Number.NaN), headers };
}

/** The body of a chunked message starting at `start`, and where it ends; undefined if cut short. */
function readChunked(data: Buffer, start: number): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf(HEAD_END, lineEnd);
      return trailerEnd < 0 ? undefined : { body: Buffer.concat(parts), end: trailerEnd + 4 };
    }
    if (data.length < chunkStart + size + 2) return undefined;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + 2;
  }
}

/** Splits what a server sent on one connection into its responses (interim 1xx included). */
export function parseResponses(data: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let at = 0;
  while (at < data.length) {
    const headEnd = data.indexOf(HEAD_END, at);
    if (headEnd < 0) break;
    const { status, headers } = parseHead(data.subarray(at, headEnd).toString('latin1'));
    const bodyStart = headEnd + 4;
    let body: Buffer;
    let end: number;
    if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
      const chunked = readChunked(data, bodyStart);
      if (!chunked) break;
      ({ body, end } = chunked);
    } else {
      const length = status < 200 || status === 204 ? 0 : Number(headers['content-length'] ?? 0);
      if (data.length < bodyStart + length) break;
      body = data.subarray(bodyStart, bodyStart + length);
      end = bodyStart + length;
    }
    responses.push({ status, headers, body: body.toString('utf8') });
    at = end;
  }
  return { responses, rest: data.subarray(at) };
}

/**
 * Sends `parts` on one TCP connection as they are, then half-closes, destroys or keeps the
 * connection as `ending` says, and reads until the server closes it or `timeoutMs` passes.
 */
export function sendRaw(
  port: number,
  parts: (string | Buffer)[],
  options: { ending?: 'half-close' | 'destroy' | 'keep'; timeoutMs?: number } = {},
): Promise<RawExchange> {
  const { ending = 'keep', timeoutMs = 5_000 } = options;
  const started = Date.now();
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    let closedByServer = false;
    let error: string | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      for (const part of parts) socket.write(part);
      if (ending === 'half-close') socket.end();
      if (ending === 'destroy') socket.destroy();
    });
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (part: Buffer) => received.push(part));
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('error', (caught: NodeJS.ErrnoException) => {
      error = caught.code ?? caught.message;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const { responses, rest } = parseResponses(Buffer.concat(received));
      resolve({
        responses,
        rest: rest.toString('latin1'),
        closedByServer,
        ...(error === undefined ? {} : { error }),
        elapsedMs: Date.now() - started,
      });
    });
  });
}

// Runs dynalite in its own process, as DynamoDB is a remote service, and reports its address;
// asked over IPC, it reports the calls it answered: per operation, those on `RATE#` items and on
// call groups (`GROUP#`, `HANDOFF#`) apart.
// With `--capacity`, a proxy in front asks dynalite for each call's consumed capacity (which it
// computes by DynamoDB's rules) and adds it up; the answers go back to the caller unchanged.
import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import dynalite from 'dynalite';

export interface DynaliteCallStats {
  /**
   * `<operation>`, `<operation> RATE#` or `<operation> GROUP#` (call group and hand-off items):
   * how many were answered, in how many ms in all, and
   * (with `--capacity`) the read or write capacity units they consumed.
   */
  [operation: string]: { count: number; totalMs: number; capacityUnits?: number };
}

const calls: DynaliteCallStats = {};
const withCapacity = process.argv.includes('--capacity');

/** Which items a request touches, as far as the counts tell them apart. */
function tagOf(body: Buffer): string | undefined {
  if (body.includes('RATE#')) return 'RATE#';
  if (body.includes('GROUP#') || body.includes('HANDOFF#')) return 'GROUP#';
  return undefined;
}

function count(
  operation: string,
  tag: string | undefined,
  started: number,
  capacityUnits?: number,
) {
  const key = tag ? `${operation} ${tag}` : operation;
  const entry = calls[key] ?? { count: 0, totalMs: 0 };
  entry.count++;
  entry.totalMs += performance.now() - started;
  if (capacityUnits !== undefined) entry.capacityUnits = (entry.capacityUnits ?? 0) + capacityUnits;
  calls[key] = entry;
}

const operationOf = (request: IncomingMessage) =>
  String(request.headers['x-amz-target'] ?? '').split('.')[1] ?? 'unknown';

/** The units in a response's `ConsumedCapacity` (one entry, or one per table). */
function unitsOf(answer: Buffer): number {
  try {
    const { ConsumedCapacity } = JSON.parse(answer.toString('utf8')) as {
      ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[];
    };
    const entries = Array.isArray(ConsumedCapacity) ? ConsumedCapacity : [ConsumedCapacity];
    return entries.reduce((sum, entry) => sum + (entry?.CapacityUnits ?? 0), 0);
  } catch {
    return 0;
  }
}

const database = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
let front = database;
if (withCapacity) {
  database.listen(0, '127.0.0.1');
  const agent = new Agent({ keepAlive: true });
  front = createServer(async (incoming, outgoing) => {
    const started = performance.now();
    const body = await buffer(incoming);
    let sent = body;
    try {
      const parsed = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      parsed.ReturnConsumedCapacity ??= 'TOTAL';
      sent = Buffer.from(JSON.stringify(parsed));
    } catch {
      // Not JSON: dynalite answers it as it is.
    }
    const { port } = database.address() as AddressInfo;
    const headers = { ...incoming.headers, 'content-length': String(sent.length) };
    const forwarded = httpRequest(
      { agent, host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers },
      async (answer) => {
        const reply = await buffer(answer);
        count(operationOf(incoming), tagOf(body), started, unitsOf(reply));
        outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
        outgoing.end(reply);
      },
    );
    forwarded.on('error', () => outgoing.destroy());
    forwarded.end(sent);
  });
} else {
  database.on('request', (request, response) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('finish', () => count(operationOf(request), tagOf(Buffer.concat(chunks)), started));
  });
}
front.listen(0, '127.0.0.1', () => {
  const { port } = front.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ address: `http://127.0.0.1:${port}` })}\n`);
});
process.on('message', (message) => {
  if (message === 'calls') process.send?.(calls);
  if (message === 'reset') for (const key of Object.keys(calls)) delete calls[key];
});
process.on('SIGTERM', () => {
  for (const server of new Set([front, database])) {
    server.closeAllConnections();
    server.close();
  }
  process.exit(0);
});

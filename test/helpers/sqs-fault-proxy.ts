import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

interface BatchEntry {
  Id: string;
  MessageBody: string;
}

export interface SqsFaultProxy {
  endpoint: string;
  /** Entries for which this returns true are not forwarded and come back as failed (server fault). */
  failEntry: (entry: BatchEntry) => boolean;
  /** The next `n` requests of this action answer 500 without reaching the queue. */
  outage(action: string, n: number): void;
  /** How many requests of each action reached the proxy. */
  calls: Map<string, number>;
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/**
 * An HTTP proxy in front of an SQS endpoint (AWS JSON protocol) that injects the faults SQS
 * can produce: partial `SendMessageBatch` failures and whole-call outages.
 */
export async function startSqsFaultProxy(target: string): Promise<SqsFaultProxy> {
  const outages = new Map<string, number>();
  const proxy: SqsFaultProxy = {
    endpoint: '',
    failEntry: () => false,
    outage(action, n) {
      outages.set(action, n);
    },
    calls: new Map(),
    stop: async () => undefined,
  };

  const server: Server = createServer(async (request, response) => {
    const action = String(request.headers['x-amz-target'] ?? '').replace('AmazonSQS.', '');
    proxy.calls.set(action, (proxy.calls.get(action) ?? 0) + 1);
    let body = await readBody(request);
    const left = outages.get(action) ?? 0;
    if (left > 0) {
      outages.set(action, left - 1);
      response.writeHead(500, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-query-error': 'InternalError;Receiver',
      });
      response.end(
        JSON.stringify({ __type: 'com.amazonaws.sqs#InternalError', message: 'injected outage' }),
      );
      return;
    }
    let dropped: BatchEntry[] = [];
    let forwardedEntries = 1;
    if (action === 'SendMessageBatch') {
      const input = JSON.parse(body.toString('utf8')) as { Entries: BatchEntry[] };
      dropped = input.Entries.filter((entry) => proxy.failEntry(entry));
      input.Entries = input.Entries.filter((entry) => !dropped.includes(entry));
      forwardedEntries = input.Entries.length;
      body = Buffer.from(JSON.stringify(input));
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'host' && typeof value === 'string') headers[name] = value;
    }
    headers['content-length'] = String(body.length);
    // A batch whose every entry failed never reaches the queue, as SQS would not store it.
    const forwarded =
      forwardedEntries === 0
        ? undefined
        : await fetch(target + (request.url ?? '/'), {
            method: request.method ?? 'POST',
            headers,
            body,
          });
    let text = forwarded ? await forwarded.text() : JSON.stringify({ Successful: [] });
    if (dropped.length > 0) {
      const output = JSON.parse(text) as { Successful?: unknown[]; Failed?: unknown[] };
      output.Failed = [
        ...(output.Failed ?? []),
        ...dropped.map((entry) => ({
          Id: entry.Id,
          SenderFault: false,
          Code: 'InternalError',
          Message: 'injected',
        })),
      ];
      text = JSON.stringify(output);
    }
    response.writeHead(forwarded?.status ?? 200, {
      'content-type': forwarded?.headers.get('content-type') ?? 'application/x-amz-json-1.0',
    });
    response.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

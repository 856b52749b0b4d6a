import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type RawExchange, sendRaw } from '../helpers/raw-http.ts';
import {
  HEALTH_REQUEST,
  inviteRequest,
  type StubGateway,
  startStubGateway,
} from '../helpers/stub-gateway.ts';

const TIMEOUTS = { headersMs: 300, requestMs: 600, idleMs: 250, lingerMs: 150 };
// Node checks its timeouts on an interval and the machine is shared: generous, still bounded.
const NEVER_LONGER_MS = TIMEOUTS.requestMs + TIMEOUTS.idleMs + TIMEOUTS.lingerMs + 1_500;

// Marks a connection's invites; replaced when the connection is made, by an ID as long.
const CONNECTION = '__CONNECTION__';
let connections = 0;
function connectionId(): string {
  connections++;
  return `c${String(connections).padStart(CONNECTION.length - 1, '0')}`;
}

/** A request the gateway must answer, and the status it must answer with. */
type Piece = { bytes: string; status: number; invite: boolean };

const putEventsBody = JSON.stringify({
  Entries: [{ Source: 'fuzz.other', DetailType: 'Other', Detail: '{"a":1}' }],
});
const wholeRequest: fc.Arbitrary<Piece> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map((title) => ({
    bytes: inviteRequest({
      body: JSON.stringify({ accessorIds: [CONNECTION], title: title || 't', body: 'b' }),
    }),
    status: 202,
    invite: true,
  })),
  fc.constant({ bytes: HEALTH_REQUEST, status: 200, invite: false }),
  fc.constant({
    bytes: 'GET /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\n\r\n',
    status: 404,
    invite: false,
  }),
  fc.constant({
    bytes: 'GET /nowhere HTTP/1.1\r\nHost: localhost:3000\r\n\r\n',
    status: 404,
    invite: false,
  }),
  fc.constant({
    bytes: `${HEALTH_REQUEST.replace('127.0.0.1', 'rebound.example')}`,
    status: 403,
    invite: false,
  }),
  fc.constant({
    bytes: [
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      'X-Amz-Target: AWSEvents.PutEvents',
      'Content-Type: application/x-amz-json-1.1',
      `Content-Length: ${putEventsBody.length}`,
      '',
      putEventsBody,
    ].join('\r\n'),
    status: 200,
    invite: false,
  }),
);

/**
 * What HTTP/1.1 cannot parse: the connection is refused with a 4xx after what it owes. Bare line
 * breaks are not garbage: a server ignores empty lines before a request line (RFC 9112 §2.2).
 */
const garbage = fc
  .oneof(
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 64 }),
    fc.constantFrom(
      'GARBAGE\r\n\r\n',
      'GET / HTTP/9.9\r\n\r\n',
      'GET /health HTTP/1.1\r\nNo colon here\r\n\r\n',
      'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n',
      'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}',
      'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nContent-Length: -1\r\n\r\n',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n',
      'GET /health HTTP/1.1\r\n\r\n',
    ),
    fc
      .integer({ min: 17_000, max: 20_000 })
      .map((n) => `GET /health HTTP/1.1\r\nX-Big: ${'a'.repeat(n)}\r\n\r\n`),
  )
  .filter((bytes) => !/^[\r\n]*$/.test(bytes));

/** A request cut short, in its headers or its body. */
const partial = wholeRequest
  .filter((piece) => piece.bytes.length > 1)
  .chain((piece) =>
    fc.integer({ min: 1, max: piece.bytes.length - 1 }).map((end) => piece.bytes.slice(0, end)),
  );

const script = fc.record({
  pieces: fc.array(wholeRequest, { maxLength: 4 }),
  tail: fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: garbage.map((bytes) => ({ kind: 'garbage' as const, bytes })) },
    { weight: 2, arbitrary: partial.map((bytes) => ({ kind: 'partial' as const, bytes })) },
  ),
  ending: fc.constantFrom('half-close', 'half-close', 'keep', 'destroy') as fc.Arbitrary<
    'half-close' | 'keep' | 'destroy'
  >,
});

type Script = typeof script extends fc.Arbitrary<infer T> ? T : never;

describe('fuzzing the local gateway transport', () => {
  let stub: StubGateway;

  before(async () => {
    stub = await startStubGateway({ timeouts: TIMEOUTS }, 2);
  });
  after(async () => {
    await stub.gateway.stop();
  });

  function invitesHandled(connection: string): number {
    return stub.invocations.filter((event) => event.body?.includes(`"${connection}"`)).length;
  }

  function assertAnswered(run: Script, connection: string, exchange: RawExchange) {
    const statuses = exchange.responses.map((response) => response.status);
    const context = `${JSON.stringify(run).slice(0, 300)} → ${JSON.stringify(statuses)} ${exchange.error ?? ''}`;
    const invites = run.pieces.filter((piece) => piece.invite).length;
    if (run.ending === 'destroy') {
      assert.ok(invitesHandled(connection) <= invites, context);
      return;
    }
    assert.equal(exchange.closedByServer, true, `the server closed the connection: ${context}`);
    assert.ok(
      exchange.elapsedMs < NEVER_LONGER_MS,
      `closed after ${exchange.elapsedMs} ms: ${context}`,
    );
    assert.deepEqual(
      statuses.slice(0, run.pieces.length),
      run.pieces.map((piece) => piece.status),
      `each request read in full has its own answer: ${context}`,
    );
    const refusals = statuses.slice(run.pieces.length);
    assert.ok(refusals.length <= 1, context);
    for (const status of refusals) assert.ok(status >= 400 && status < 500, context);
    // A client that half-closes may be answered with a close instead of the refusal.
    if (run.tail && run.ending === 'keep') {
      assert.equal(refusals.length, 1, `what follows is refused: ${context}`);
    }
    assert.equal(invitesHandled(connection), invites, context);
  }

  it('answers every request read in full, refuses the rest with a 4xx, never hangs and logs nothing', async () => {
    const before = connections;
    await fc.assert(
      fc.asyncProperty(fc.array(script, { minLength: 1, maxLength: 8 }), async (runs) => {
        const ids = runs.map(() => connectionId());
        const exchanges = await Promise.all(
          runs.map((run, index) =>
            sendRaw(
              stub.gateway.port,
              [
                ...run.pieces.map((piece) => piece.bytes),
                ...(run.tail ? [run.tail.bytes] : []),
              ].map((bytes) => bytes.replaceAll(CONNECTION, ids[index] ?? '')),
              { ending: run.ending, timeoutMs: NEVER_LONGER_MS + 500 },
            ),
          ),
        );

        runs.forEach((run, index) => {
          assertAnswered(run, ids[index] ?? '', exchanges[index] as RawExchange);
        });
      }),
      { numRuns: 40 },
    );

    const health = await sendRaw(stub.gateway.port, [HEALTH_REQUEST], { ending: 'half-close' });

    assert.ok(connections - before >= 100, `only ${connections - before} connections`);
    assert.deepEqual(
      health.responses.map((response) => response.status),
      [200],
    );
    assert.deepEqual(stub.errors, []);
  });
});

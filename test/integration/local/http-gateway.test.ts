import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { isLoopbackHost } from '../../../infra/local/browser-guard.ts';
import { failedInvocationRecord } from '../../../infra/local/lambda-context.ts';
import { describeDeadLetter, type PeekedMessage } from '../../../scripts/console/dead-letters.ts';
import { sendRaw } from '../../helpers/raw-http.ts';
import {
  HEALTH_REQUEST,
  inviteRequest,
  type StubGateway,
  startStubGateway,
} from '../../helpers/stub-gateway.ts';

const TIMEOUTS = { headersMs: 150, requestMs: 300, idleMs: 200, lingerMs: 200 };
// Node checks its timeouts on an interval; anything within this of the limit is on time.
const SLACK_MS = 400;
const OVER_TEN_MB = 11 * 1024 * 1024;

/** Puts one `Employee Onboarded` event through the gateway's PutEvents endpoint. */
function putOnboardedEvent(port: number) {
  const body = JSON.stringify({
    Entries: [
      { Source: 'hr.events', DetailType: 'Employee Onboarded', Detail: '{"accessorId":"a"}' },
    ],
  });
  return sendRaw(port, [
    [
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      'X-Amz-Target: AWSEvents.PutEvents',
      'Content-Type: application/x-amz-json-1.1',
      `Content-Length: ${body.length}`,
      'Connection: close',
      '',
      body,
    ].join('\r\n'),
  ]);
}

describe('the local HTTP gateway', () => {
  let stub: StubGateway;
  let port: number;

  before(async () => {
    stub = await startStubGateway({ timeouts: TIMEOUTS });
    port = stub.gateway.port;
  });
  after(async () => {
    await stub.gateway.stop();
  });

  function statuses(exchange: { responses: { status: number }[] }) {
    return exchange.responses.map((response) => response.status);
  }

  it('answers each request read in full before the 400 for the garbage that follows it', async () => {
    const before = stub.invocations.length;

    const invite = await sendRaw(port, [inviteRequest(), 'GARBAGE\r\n\r\n']);
    const health = await sendRaw(port, [HEALTH_REQUEST, 'xx yy zz\r\n\r\n']);
    const pipelined = await sendRaw(port, [
      inviteRequest() + inviteRequest() + HEALTH_REQUEST,
      '\0\0',
    ]);

    assert.deepEqual(statuses(invite), [202, 400]);
    assert.deepEqual(statuses(health), [200, 400]);
    assert.deepEqual(statuses(pipelined), [202, 202, 200, 400]);
    assert.equal(stub.invocations.length - before, 3);
    for (const exchange of [invite, health, pipelined]) {
      assert.equal(exchange.closedByServer, true);
      assert.equal(exchange.error, undefined);
    }
    assert.deepEqual(stub.errors, []);
  });

  it('answers a client that half-closes the connection after its last request', async () => {
    const exchange = await sendRaw(port, [inviteRequest(), HEALTH_REQUEST], {
      ending: 'half-close',
    });

    assert.deepEqual(statuses(exchange), [202, 200]);
    assert.equal(exchange.closedByServer, true);
  });

  it('answers 408 to headers or a body that stall, within the limits, and invokes nothing', async () => {
    const before = stub.invocations.length;

    const [headers, chunk, body, silent] = await Promise.all([
      sendRaw(port, ['POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\n']),
      sendRaw(port, [
        'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n',
        'FFFFFFFF\r\n{"accessorIds":',
      ]),
      sendRaw(port, [
        'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{',
      ]),
      sendRaw(port, []),
    ]);

    for (const [exchange, limit] of [
      [headers, TIMEOUTS.headersMs],
      [chunk, TIMEOUTS.requestMs],
      [body, TIMEOUTS.requestMs],
      [silent, TIMEOUTS.headersMs],
    ] as const) {
      assert.deepEqual(statuses(exchange), [408]);
      assert.equal(exchange.closedByServer, true);
      assert.ok(exchange.elapsedMs < limit + SLACK_MS, `answered after ${exchange.elapsedMs} ms`);
    }
    assert.equal(stub.invocations.length, before);
  });

  it('answers CONNECT with 405, after the answers it owes on the connection', async () => {
    const alone = await sendRaw(port, [
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n',
    ]);
    const afterHealth = await sendRaw(port, [
      `${HEALTH_REQUEST}CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n`,
    ]);

    assert.deepEqual(statuses(alone), [405]);
    assert.deepEqual(statuses(afterHealth), [200, 405]);
    assert.equal(JSON.parse(alone.responses[0]?.body ?? '').message, 'Method Not Allowed');
  });

  it('answers 500 when the function throws, and leaves no promise rejected unheard', async () => {
    const unheard: unknown[] = [];
    const listen = (reason: unknown) => unheard.push(reason);
    process.on('unhandledRejection', listen);
    const failing = await startStubGateway({
      intake: async () => {
        throw new Error('the intake failed');
      },
    });
    try {
      const exchange = await sendRaw(failing.gateway.port, [inviteRequest()]);
      // An unhandled rejection is reported after the turn of the event loop it happened in.
      await new Promise((resolve) => setImmediate(resolve));

      assert.deepEqual(statuses(exchange), [500]);
      assert.deepEqual(unheard, []);
    } finally {
      process.off('unhandledRejection', listen);
      await failing.gateway.stop();
    }
  });

  it('delivers, before it stops, the events of a PutEvents it acknowledged while stopping', async () => {
    const delivered: unknown[] = [];
    const stopping = await startStubGateway({
      intake: async (event) => {
        await new Promise((resolve) => setTimeout(resolve, 50));
        if (!('requestContext' in event)) delivered.push(event);
        return undefined;
      },
    });
    const body = JSON.stringify({
      Entries: [
        { Source: 'hr.events', DetailType: 'Employee Onboarded', Detail: '{"accessorId":"a"}' },
      ],
    });
    const head = [
      'POST / HTTP/1.1',
      'Host: 127.0.0.1',
      'X-Amz-Target: AWSEvents.PutEvents',
      'Content-Type: application/x-amz-json-1.1',
      `Content-Length: ${body.length}`,
      '',
      '',
    ].join('\r\n');
    const socket = connect(stopping.gateway.port, '127.0.0.1');
    await once(socket, 'connect');
    const answered = once(socket, 'data');
    // The body is still arriving when the stack is told to stop.
    socket.write(head + body.slice(0, 10));
    const stopped = stopping.gateway.stop();
    socket.write(body.slice(10));
    const [answer] = (await answered) as [Buffer];
    socket.end();

    await stopped;

    assert.match(answer.toString(), /^HTTP\/1\.1 200/);
    assert.equal(delivered.length, 1, 'the acknowledged event reached the intake before stop');
  });

  it('settles only once the events of an acknowledged PutEvents have reached the intake', async () => {
    const release = Promise.withResolvers<void>();
    const reached = Promise.withResolvers<void>();
    const steps: string[] = [];
    const held = await startStubGateway({
      intake: async (event) => {
        if ('requestContext' in event) return undefined;
        reached.resolve();
        await release.promise;
        steps.push('intake done');
        return undefined;
      },
    });
    try {
      const exchange = await putOnboardedEvent(held.gateway.port);
      await reached.promise;
      const settled = held.gateway.settled().then(() => steps.push('settled'));
      await delay(0);
      steps.push('released');
      release.resolve();
      await settled;

      assert.deepEqual(statuses(exchange), [200]);
      assert.deepEqual(steps, ['released', 'intake done', 'settled']);
    } finally {
      await held.gateway.stop();
    }
  });

  it('answers 500 to a request whose invocation timed out, and settles once that run has ended', async () => {
    const steps: string[] = [];
    const release = Promise.withResolvers<void>();
    const slow = await startStubGateway({
      intakeTimeoutSeconds: 0.05,
      intake: async () => {
        // Runs on past its timeout, where Lambda would have stopped it, until let go.
        await release.promise;
        steps.push('run ended');
        return undefined;
      },
    });
    try {
      const answer = await fetch(`${slow.gateway.url}/spaces/SP1/invite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"accessorIds":["a"],"title":"t","body":"b"}',
      });
      steps.push('answered');
      const settled = slow.gateway.settled().then(() => steps.push('settled'));
      // A turn of the event loop in which a gateway that did not wait would have settled.
      await new Promise((resolve) => setImmediate(resolve));
      steps.push('released');
      release.resolve();
      await settled;

      assert.equal(answer.status, 500);
      assert.deepEqual(steps, ['answered', 'released', 'run ended', 'settled']);
    } finally {
      await slow.gateway.stop();
    }
  });

  it('hands an event the intake failed on three times to the on-failure destination, as a record the console reads', async () => {
    let attempts = 0;
    const failed = Promise.withResolvers<{ event: unknown; error: unknown }>();
    const failing = await startStubGateway({
      intake: async () => {
        attempts++;
        throw new Error('the DLQ and the queue are both down');
      },
      onEventFailed: async (event, error) => failed.resolve({ event, error }),
      eventRetryDelaysMs: [10, 20],
    });
    try {
      await putOnboardedEvent(failing.gateway.port);
      const { event, error } = await failed.promise;
      const letter = describeDeadLetter({
        messageId: 'm1',
        body: JSON.stringify(failedInvocationRecord(event, error, 'us-east-1')),
        attributes: {},
      } as PeekedMessage);

      assert.equal(attempts, 3, "Lambda's two retries, then the destination");
      assert.equal(letter.kind, 'hr-event');
      assert.equal(letter.requestId, (event as { id: string }).id);
    } finally {
      await failing.gateway.stop();
    }
  });

  it('retries an event whose invocation timed out only once that invocation has ended', async () => {
    const steps: string[] = [];
    const retried = Promise.withResolvers<void>();
    let attempts = 0;
    const slow = await startStubGateway({
      intakeTimeoutSeconds: 0.05,
      eventRetryDelaysMs: [0, 0],
      intake: async (_event, context) => {
        const attempt = ++attempts;
        steps.push(`start ${attempt}`);
        if (attempt === 1) {
          // Runs on past its timeout, as a function held up by a slow table would.
          await delay(context.getRemainingTimeInMillis() + 50);
          steps.push('end 1');
        } else retried.resolve();
        return undefined;
      },
    });
    try {
      await putOnboardedEvent(slow.gateway.port);
      await retried.promise;

      assert.deepEqual(steps, ['start 1', 'end 1', 'start 2']);
    } finally {
      await slow.gateway.stop();
    }
  });

  it('answers another method on a route path 404 without invoking, as API Gateway does', async () => {
    const invoked = stub.invocations.length;
    const reported = stub.reports.length;

    const response = await fetch(`${stub.gateway.url}/spaces/SP1/invite`);

    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { message: 'Not Found' });
    assert.equal(stub.invocations.length, invoked);
    assert.equal(stub.reports.length, reported);
  });

  it('answers 413 to a body over 10 MB sent whole without waiting, and closes cleanly', async () => {
    const oversized = Buffer.alloc(OVER_TEN_MB, 0x20);
    const head =
      'POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n';
    const chunked = Buffer.concat([
      Buffer.from(`${oversized.length.toString(16)}\r\n`),
      oversized,
      Buffer.from('\r\n0\r\n\r\n'),
    ]);

    const declared = await sendRaw(port, [
      `${head}Content-Length: ${oversized.length}\r\n\r\n`,
      oversized,
    ]);
    const streamed = await sendRaw(port, [`${head}Transfer-Encoding: chunked\r\n\r\n`, chunked]);

    for (const exchange of [declared, streamed]) {
      assert.deepEqual(statuses(exchange), [413]);
      assert.equal(exchange.closedByServer, true);
      assert.equal(exchange.error, undefined);
    }
  });

  it('refuses at once, unsent, a declared body over 10 MB that waits for 100 Continue', async () => {
    const exchange = await sendRaw(port, [
      `POST /spaces/SP1/invite HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: ${OVER_TEN_MB}\r\n\r\n`,
    ]);

    // The body is never sent: a gateway waiting for it could only answer 408, once time ran out.
    assert.deepEqual(statuses(exchange), [413]);
  });

  it('refuses a Host other than localhost, 127.0.0.1 or [::1] with 403, before the intake', async () => {
    const before = stub.invocations.length;

    const rebound = await sendRaw(port, [inviteRequest({ host: 'attacker.example' })], {
      ending: 'half-close',
    });
    const loopback = await sendRaw(port, [inviteRequest({ host: '[::1]:3000' })], {
      ending: 'half-close',
    });

    assert.deepEqual(statuses(rebound), [403]);
    assert.deepEqual(statuses(loopback), [202]);
    assert.equal(stub.invocations.length - before, 1);
  });

  it('logs an unexpected error through onError, answers 500 and stays up', async () => {
    const failing = await startStubGateway({
      health: async () => {
        throw new Error('health check broke');
      },
    });
    try {
      const health = await fetch(`${failing.gateway.url}/health`);
      const next = await fetch(`${failing.gateway.url}/spaces/SP1/invite`, {
        method: 'POST',
        body: '{}',
      });

      assert.equal(health.status, 500);
      assert.deepEqual(await health.json(), { message: 'Internal Server Error' });
      assert.equal(next.status, 202);
      assert.deepEqual(
        failing.errors.map((error) => (error as Error).message),
        ['health check broke'],
      );
    } finally {
      await failing.gateway.stop();
    }
  });
});

describe('isLoopbackHost', () => {
  it('accepts localhost and its subdomains, 127.0.0.1 and [::1] on any port, and no other name', () => {
    const accepted = [
      'localhost',
      'LOCALHOST:3000',
      'sqs.us-east-1.localhost:4566',
      '127.0.0.1',
      '127.0.0.1:65535',
      '[::1]',
      '[::1]:80',
    ];
    const refused = [
      '',
      'example.com',
      'localhost.example.com',
      'evillocalhost',
      'localhost.',
      '.localhost',
      '127.0.0.2',
      '127.0.0.1.nip.io',
      '0.0.0.0',
      '::1',
      '[::ffff:127.0.0.1]',
      'localhost:port',
      'localhost:3000:3000',
      'user@localhost',
    ];

    const verdicts = [...accepted, ...refused].map((host) => [host, isLoopbackHost(host)]);

    assert.deepEqual(verdicts, [
      ...accepted.map((host) => [host, true]),
      ...refused.map((host) => [host, false]),
    ]);
  });
});

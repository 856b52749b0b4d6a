import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildIntakeHandler } from '../../functions/intake/build.ts';
import { createIntakeHandler } from '../../functions/intake/intake.ts';
import { DynamoDbRequestLedger } from '../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import {
  PARK_ATTRIBUTES,
  SqsDeadLetterQueue,
} from '../../shared/adapters/sqs-dead-letter-queue.ts';
import {
  ACCEPTED_AT_ATTRIBUTE,
  EnqueueDeadlineError,
  SqsInviteQueue,
} from '../../shared/adapters/sqs-invite-queue.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { SQS_LIMITS } from '../../shared/domain/constants.ts';
import { decodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import { hrEvent, httpInviteEvent, lambdaContext } from '../helpers/events.ts';
import { type DynamoDbContext, startDynamoDb } from '../helpers/ledger.ts';
import { silentLogger } from '../helpers/logs.ts';
import { type SqsContext, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';
import { type SqsFaultProxy, startSqsFaultProxy } from '../helpers/sqs-fault-proxy.ts';

describe('intake against an embedded SQS', () => {
  let sqs: SqsContext;
  let dynamodb: DynamoDbContext;

  before(async () => {
    [sqs, dynamodb] = await Promise.all([startSqs(), startDynamoDb()]);
  });
  after(async () => {
    await Promise.all([sqs.stop(), dynamodb.stop()]);
  });

  it('queues every accessor of a 25,000-ID request exactly once through AWS_ENDPOINT_URL_SQS', async () => {
    // The handler is built as in AWS, its endpoints read from the standard variables.
    const config = readIntakeConfig({
      INVITES_QUEUE_URL: sqs.invitesUrl,
      LEDGER_TABLE_NAME: dynamodb.tableName,
      DEAD_LETTER_QUEUE_URL: sqs.deadLetterUrl,
      AWS_ENDPOINT_URL_SQS: sqs.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    const handler = buildIntakeHandler(config, {
      aws: { region: TEST_REGION, credentials: TEST_CREDENTIALS },
      metrics: false,
    });
    const ids = Array.from({ length: 25_000 }, (_, index) => `employee-${index}@example.com`);

    const before = Date.now();
    const response = (await handler(
      httpInviteEvent({ body: { accessorIds: ids, title: 'Welcome 👋', body: 'Join us' } }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const after = Date.now();
    const queued = await sqs.drain(sqs.invitesUrl);
    const chunks = queued.map((message) => decodeInviteChunk(message.Body ?? ''));
    const acceptedAt = new Set(
      queued.map((message) => message.MessageAttributes?.[ACCEPTED_AT_ATTRIBUTE]?.StringValue),
    );

    assert.equal(response.statusCode, 202);
    assert.equal(JSON.parse(response.body as string).messageCount, 25);
    assert.equal(chunks.length, 25);
    const received = chunks.flatMap((chunk) => chunk.accessorIds);
    assert.equal(received.length, ids.length);
    assert.deepEqual(new Set(received), new Set(ids));
    assert.deepEqual(
      chunks.map((chunk) => chunk.part).sort((a, b) => a - b),
      Array.from({ length: 25 }, (_, i) => i + 1),
    );
    assert.equal(chunks[0]?.title, 'Welcome 👋');
    // Every chunk says when the request was accepted, for the worker's top-up window.
    assert.equal(acceptedAt.size, 1);
    const [at] = [...acceptedAt].map(Number);
    assert.ok(at !== undefined && at >= before && at <= after, `AcceptedAt ${at}`);
  });

  it('parks an invalid HR event in the DLQ with its reason as attributes', async () => {
    const config = readIntakeConfig({
      INVITES_QUEUE_URL: sqs.invitesUrl,
      LEDGER_TABLE_NAME: 'test-ledger',
      DEAD_LETTER_QUEUE_URL: sqs.deadLetterUrl,
    });
    const handler = createIntakeHandler({
      config,
      logger: silentLogger(),
      ports: {
        queue: new SqsInviteQueue({ client: sqs.client, queueUrl: config.invitesQueueUrl }),
        deadLetters: new SqsDeadLetterQueue({
          client: sqs.client,
          queueUrl: config.deadLetterQueueUrl,
        }),
        ledger: new DynamoDbRequestLedger({
          client: dynamodb.client,
          tableName: dynamodb.tableName,
        }),
      },
    });
    const event = hrEvent('Employee Onboarded', { accessorId: 'x' });
    const depthBefore = await sqs.depth(sqs.invitesUrl);

    await handler(event, lambdaContext());
    const [parked, ...rest] = await sqs.drain(sqs.deadLetterUrl);

    assert.equal(rest.length, 0);
    assert.equal(JSON.parse(parked?.Body ?? '').id, event.id);
    assert.equal(
      parked?.MessageAttributes?.[PARK_ATTRIBUTES.errorType]?.StringValue,
      'ValidationException',
    );
    assert.match(
      parked?.MessageAttributes?.[PARK_ATTRIBUTES.errorMessage]?.StringValue ?? '',
      /spaceId/,
    );
    assert.equal(await sqs.depth(sqs.invitesUrl), depthBefore);
  });
});

describe('SqsInviteQueue under SQS faults', () => {
  let sqs: SqsContext;
  let proxy: SqsFaultProxy;
  let client: SQSClient;

  before(async () => {
    sqs = await startSqs();
    proxy = await startSqsFaultProxy(sqs.endpoint);
    client = new SQSClient({
      endpoint: proxy.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
  });
  after(async () => {
    client.destroy();
    await proxy.stop();
    await sqs.stop();
  });

  const messages = (n: number) =>
    Array.from({ length: n }, (_, index) => ({
      id: String(index + 1),
      body: `message ${index + 1}`,
    }));

  /**
   * Runs `onCall` in each call of the client once it is signed (or, at `build`, once it is
   * serialised) until the function it returns is called.
   */
  function onEachCall(onCall: () => void, where: 'build' | 'signed' = 'signed') {
    const name = `onEachCall-${where}`;
    const middleware = <T>(next: (args: T) => Promise<unknown>) => {
      return async (args: T) => {
        onCall();
        return next(args);
      };
    };
    if (where === 'build') client.middlewareStack.add(middleware as never, { step: 'build', name });
    else
      client.middlewareStack.add(middleware as never, {
        step: 'finalizeRequest',
        priority: 'low',
        name,
      });
    return () => client.middlewareStack.remove(name);
  }

  it('uses the fewest SendMessageBatch calls', async () => {
    proxy.calls.clear();
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });

    const result = await queue.enqueue(messages(95));

    assert.equal(result.failed.length, 0);
    assert.equal(proxy.calls.get('SendMessageBatch'), 10);
    assert.equal((await sqs.drain(sqs.invitesUrl)).length, 95);
  });

  it('prepares one call a turn of the event loop, so that I/O goes on in between', async () => {
    const events: string[] = [];
    const stop = onEachCall(() => events.push('prepared'), 'build');
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });
    try {
      const result = queue.enqueue(messages(95));
      setImmediate(() => events.push('turn'));
      const { queued } = await result;

      // All ten prepared at once would leave the loop no turn until the last of them.
      assert.ok(events.indexOf('turn') < events.lastIndexOf('prepared'), events.join(' '));
      assert.equal(queued.length, 95);
    } finally {
      stop();
      await sqs.drain(sqs.invitesUrl);
    }
  });

  it('prepares and signs its calls while what it waits for goes on, and sends none before it is over', {
    timeout: 10_000,
  }, async () => {
    proxy.calls.clear();
    let signed = 0;
    const { promise: allSigned, resolve: signedAll } = Promise.withResolvers<void>();
    const stop = onEachCall(() => {
      if (++signed === 10) signedAll();
    });
    const { promise: recorded, resolve: record } = Promise.withResolvers<void>();
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });
    try {
      const result = queue.enqueue(messages(95), { after: recorded });
      await allSigned;
      const sentWhileHeld = proxy.calls.get('SendMessageBatch') ?? 0;
      record();
      const { queued, failed } = await result;

      assert.equal(sentWhileHeld, 0);
      assert.equal(queued.length, 95);
      assert.deepEqual(failed, []);
      assert.equal(proxy.calls.get('SendMessageBatch'), 10);
      assert.equal((await sqs.drain(sqs.invitesUrl)).length, 95);
    } finally {
      stop();
    }
  });

  it('rejects with the reason of what it waited for, having sent nothing, when that fails', async () => {
    proxy.calls.clear();
    const { promise: recorded, reject: fail } = Promise.withResolvers<void>();
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });

    const result = queue.enqueue(messages(95), { after: recorded });
    fail(new Error('the ledger is down'));

    await assert.rejects(result, { message: 'the ledger is down' });
    assert.equal(proxy.calls.get('SendMessageBatch') ?? 0, 0);
    assert.equal((await sqs.drain(sqs.invitesUrl)).length, 0);
  });

  it('rejects with that reason too when no call reached the hold: no time left, nothing to send', async () => {
    proxy.calls.clear();
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });
    const late = Promise.withResolvers<void>();

    // Out of time at once, the calls never reach the hold; the ledger fails only afterwards.
    const outOfTime = queue.enqueue(messages(5), { after: late.promise, timeoutMs: 0 });
    setImmediate(() => late.reject(new Error('the ledger is down')));
    const nothing = queue.enqueue([], { after: Promise.reject(new Error('the ledger is down')) });

    await Promise.all([
      assert.rejects(outOfTime, { message: 'the ledger is down' }),
      assert.rejects(nothing, { message: 'the ledger is down' }),
    ]);
    assert.equal(proxy.calls.get('SendMessageBatch') ?? 0, 0);
  });

  it('prepares no call once what it waits for has failed', async () => {
    let prepared = 0;
    const stop = onEachCall(() => prepared++, 'build');
    const down = Promise.reject(new Error('the ledger is down'));
    await down.catch(() => undefined);
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });
    try {
      const result = queue.enqueue(messages(95), { after: down });

      await assert.rejects(result, { message: 'the ledger is down' });
      assert.equal(prepared, 0);
    } finally {
      stop();
    }
  });

  it('leaves room in each SendMessageBatch for the AcceptedAt attributes', async () => {
    // Ten bodies that fill a batch's 1 MiB exactly: with their attributes, two batches.
    const tenth = Math.floor(SQS_LIMITS.maxBatchBytes / 10);
    const full = Array.from({ length: 10 }, (_, index) => ({
      id: String(index + 1),
      body: String(index).repeat(tenth),
    }));
    const queue = new SqsInviteQueue({ client, queueUrl: sqs.invitesUrl });

    proxy.calls.clear();
    await queue.enqueue(full);
    const without = proxy.calls.get('SendMessageBatch');
    proxy.calls.clear();
    const result = await queue.enqueue(full, { acceptedAt: Date.now() });

    assert.equal(without, 1);
    assert.equal(result.queued.length, 10);
    assert.equal(proxy.calls.get('SendMessageBatch'), 2);
    await sqs.drain(sqs.invitesUrl);
  });

  it('sends again the entries of a partial failure, once each', async () => {
    let failures = 0;
    proxy.failEntry = (entry) => entry.Id.endsWith('3') && failures++ < 3;
    const queue = new SqsInviteQueue({
      client,
      queueUrl: sqs.invitesUrl,
      sleep: async () => undefined,
    });

    const result = await queue.enqueue(messages(30));
    const bodies = (await sqs.drain(sqs.invitesUrl)).map((message) => message.Body);

    assert.deepEqual(result.failed, []);
    assert.equal(result.queued.length, 30);
    assert.equal(bodies.length, 30);
    assert.equal(new Set(bodies).size, 30);
    proxy.failEntry = () => false;
  });

  it('reports what it could not queue after every attempt, and what it did', async () => {
    proxy.failEntry = (entry) => entry.Id === '2';
    const queue = new SqsInviteQueue({
      client,
      queueUrl: sqs.invitesUrl,
      maxAttempts: 3,
      sleep: async () => undefined,
    });

    const result = await queue.enqueue(messages(3));

    assert.deepEqual(result.failed, ['2']);
    assert.deepEqual([...result.queued].sort(), ['1', '3']);
    assert.equal((await sqs.drain(sqs.invitesUrl)).length, 2);
    proxy.failEntry = () => false;
  });

  it("refuses at once, without sending it again, an entry SQS says is the sender's fault", async () => {
    proxy.calls.clear();
    const queue = new SqsInviteQueue({
      client,
      queueUrl: sqs.invitesUrl,
      maxAttempts: 3,
      sleep: async () => undefined,
    });
    // A character SQS never takes: fauxqs answers InvalidMessageContents, SenderFault true.
    const refused = { id: '2', body: 'message \u0001' };

    const result = await queue.enqueue([...messages(3).filter(({ id }) => id !== '2'), refused]);

    assert.deepEqual(result.failed, ['2']);
    assert.deepEqual([...result.queued].sort(), ['1', '3']);
    assert.equal(proxy.calls.get('SendMessageBatch'), 1);
    assert.equal((await sqs.drain(sqs.invitesUrl)).length, 2);
  });

  it('rides out a short outage of whole calls', async () => {
    proxy.outage('SendMessageBatch', 2);
    const queue = new SqsInviteQueue({
      client,
      queueUrl: sqs.invitesUrl,
      sleep: async () => undefined,
    });

    const result = await queue.enqueue(messages(5));

    assert.deepEqual(result.failed, []);
    assert.equal((await sqs.drain(sqs.invitesUrl)).length, 5);
  });
});

describe('SqsInviteQueue with a time limit', () => {
  let blackHole: Server;
  let client: SQSClient;
  const sockets = new Set<Socket>();

  before(async () => {
    // Takes every connection and never answers, as a hung SQS endpoint would.
    blackHole = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    blackHole.listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    client = new SQSClient({
      endpoint: `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
  });
  after(async () => {
    client.destroy();
    for (const socket of sockets) socket.destroy();
    blackHole.close();
    await once(blackHole, 'close');
  });

  const messages = Array.from({ length: 12 }, (_, index) => ({
    id: String(index + 1),
    body: `message ${index + 1}`,
  }));

  it('gives up on calls that never answer when its time is up, and counts their entries failed', async () => {
    const queue = new SqsInviteQueue({ client, queueUrl: 'http://127.0.0.1/000000000000/invites' });
    const started = performance.now();

    const result = await queue.enqueue(messages, { timeoutMs: 300 });

    const elapsed = performance.now() - started;
    assert.deepEqual(result.queued, []);
    assert.equal(result.failed.length, messages.length);
    assert.ok(result.lastError !== undefined);
    assert.ok(elapsed >= 290 && elapsed < 5_000, `took ${elapsed} ms`);
  });

  it('starts no call at all when given no time', async () => {
    const queue = new SqsInviteQueue({ client, queueUrl: 'http://127.0.0.1/000000000000/invites' });
    const before = sockets.size;

    const result = await queue.enqueue(messages, { timeoutMs: 0 });

    assert.equal(result.failed.length, 12);
    assert.ok(result.lastError instanceof EnqueueDeadlineError);
    assert.equal(sockets.size, before);
  });
});

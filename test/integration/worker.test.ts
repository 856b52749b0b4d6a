import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { createWorkerHandler } from '../../functions/worker/worker.ts';
import { toSqsRecord } from '../../infra/local/event-source-mapping.ts';
import { startRepostspaceSimulator } from '../../infra/local/repostspace-simulator/index.ts';
import type { RepostspaceSimulator } from '../../infra/local/repostspace-simulator/types.ts';
import { RepostspaceClient } from '../../shared/adapters/repostspace/index.ts';
import { SqsBatchSource } from '../../shared/adapters/sqs-batch-source.ts';
import {
  PARK_ATTRIBUTES,
  SqsDeadLetterQueue,
} from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsVisibility } from '../../shared/adapters/sqs-visibility.ts';
import { AdaptiveRateLimiter } from '../../shared/domain/adaptive-rate-limiter.ts';
import type { InviteChunk } from '../../shared/domain/invite.ts';
import { decodeInviteChunk, encodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import { SharedCallPacer } from '../../shared/domain/shared-call-pacer.ts';
import { lambdaContext, sqsEvent } from '../helpers/events.ts';
import { quietMetrics, silentLogger } from '../helpers/logs.ts';
import { MemoryRateStore } from '../helpers/rate-store.ts';
import {
  type RepostspaceFaultProxy,
  type ScriptedAnswer,
  startRepostspaceFaultProxy,
} from '../helpers/repostspace-fault-proxy.ts';
import { type SqsContext, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const SPACE_ID = 'SPWORKER0000000000000001';

function chunk(part: number, parts: number, accessorIds: string[]): InviteChunk {
  return {
    v: 1,
    requestId: 'req-integration',
    part,
    parts,
    spaceId: SPACE_ID,
    title: 'Welcome',
    body: 'Join our space',
    accessorIds,
  };
}

const INVITES_ARN = 'arn:aws:sqs:us-east-1:000000000000:invites';

/** Accessor IDs the simulator was sent in successful calls, in the order they came. */
function invited(simulator: RepostspaceSimulator): string[] {
  return simulator.deliveries.recent().flatMap((delivery) => delivery.accessorIds);
}

describe('worker against an embedded SQS and the re:Post Private simulator', () => {
  let sqs: SqsContext;
  let simulator: RepostspaceSimulator | undefined;
  let proxy: RepostspaceFaultProxy | undefined;
  let sender: RepostspaceClient | undefined;

  beforeEach(async () => {
    // A 1 s visibility lets a message the worker fails to hand back reappear within the test.
    sqs = await startSqs({ visibilityTimeout: 1 });
  });
  afterEach(async () => {
    sender?.destroy();
    await proxy?.stop();
    await simulator?.stop();
    await sqs.stop();
  });

  /**
   * The worker, calling the simulator (which checks each call's signature) through a proxy that
   * answers as `script` says. `topUpWindowMs`: top small batches up from the queue, as
   * TOP_UP_WINDOW_MS does; `knownSpaceIds`: the spaces the simulator knows (all when not given).
   */
  async function worker(
    script: (call: number) => ScriptedAnswer = () => 'forward',
    options: { topUpWindowMs?: number; knownSpaceIds?: string[] } = {},
  ) {
    simulator = await startRepostspaceSimulator({
      credentials: TEST_CREDENTIALS,
      region: TEST_REGION,
      ...(options.knownSpaceIds ? { knownSpaceIds: options.knownSpaceIds } : {}),
    });
    proxy = await startRepostspaceFaultProxy(simulator.url, script);
    sender = new RepostspaceClient({
      region: TEST_REGION,
      endpoint: proxy.endpoint,
      credentials: TEST_CREDENTIALS,
      requestTimeoutMs: 2_000,
    });
    return {
      proxy,
      simulator,
      handler: createWorkerHandler({
        config: { callBudgetMs: 3_000, topUpWindowMs: options.topUpWindowMs ?? 0 },
        logger: silentLogger(),
        metrics: quietMetrics(), // Full-jitter backoff at its floor: every retry without Retry-After waits 1 s.
        random: () => 0,
        ports: {
          sender,
          visibility: new SqsVisibility({ client: sqs.client, queueUrl: sqs.invitesUrl }),
          deadLetters: new SqsDeadLetterQueue({ client: sqs.client, queueUrl: sqs.deadLetterUrl }),
          batchSource: new SqsBatchSource({ client: sqs.client, queueUrl: sqs.invitesUrl }),
          pacer: new SharedCallPacer({
            store: new MemoryRateStore(),
            fallback: new AdaptiveRateLimiter(),
          }),
        },
      }),
    };
  }

  async function send(bodies: string[]) {
    await sqs.client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.invitesUrl,
        Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
      }),
    );
  }

  /** Receives as the event source mapping does: the queue's own visibility, every attribute. */
  async function receive(waitSeconds = 0, max = 10): Promise<Message[]> {
    const { Messages = [] } = await sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: sqs.invitesUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return Messages;
  }

  /** Invokes the handler and, as Lambda does, deletes what it does not report failed. */
  async function invoke(
    handler: Awaited<ReturnType<typeof worker>>['handler'],
    messages: Message[],
  ): Promise<string[]> {
    const response = await handler(
      sqsEvent(messages.map((message) => toSqsRecord(message, INVITES_ARN, TEST_REGION))),
      lambdaContext(),
    );
    const failed = response.batchItemFailures.map((failure) => failure.itemIdentifier);
    const done = messages.filter((message) => !failed.includes(message.MessageId ?? ''));
    if (done.length > 0) {
      await sqs.client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: sqs.invitesUrl,
          Entries: done.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle,
          })),
        }),
      );
    }
    return failed;
  }

  it('hands a throttled chunk back for its Retry-After, then SQS delivers it again', async () => {
    const { handler, proxy, simulator } = await worker((call) =>
      call === 1
        ? {
            status: 429,
            headers: { 'x-amzn-errortype': 'ThrottlingException', 'retry-after': '2' },
            body: { message: 'Rate exceeded', serviceCode: 'repostspace', quotaCode: 'L-INVITES' },
          }
        : 'forward',
    );
    const accessorIds = ['throttled-1@example.com', 'throttled-2@example.com'];
    await send([encodeInviteChunk(chunk(1, 1, accessorIds))]);
    const [first] = await receive(1);
    assert.ok(first);

    const failed = await invoke(handler, [first]);
    const handedBack = performance.now();
    const immediately = await receive();
    const [again, ...more] = await receive(5);
    const elapsedMs = performance.now() - handedBack;
    const failedAgain = again ? await invoke(handler, [again]) : [];

    assert.deepEqual(failed, [first.MessageId]);
    assert.equal(immediately.length, 0, 'invisible right after the hand-back');
    assert.equal(more.length, 0);
    assert.equal(again?.MessageId, first.MessageId);
    assert.equal(first.Attributes?.ApproximateReceiveCount, '1');
    assert.equal(again?.Attributes?.ApproximateReceiveCount, '2');
    assert.ok(
      elapsedMs >= 1_500 && elapsedMs < 4_000,
      `redelivered ${Math.round(elapsedMs)} ms after the hand-back`,
    );
    const sinceFirstReceive =
      Date.now() - Number(again?.Attributes?.ApproximateFirstReceiveTimestamp);
    assert.ok(sinceFirstReceive >= 2_000, `${sinceFirstReceive} ms since SQS first delivered it`);
    assert.deepEqual(failedAgain, []);
    assert.equal(proxy.calls.length, 2);
    assert.deepEqual(invited(simulator), accessorIds);
    assert.equal(await sqs.depth(sqs.invitesUrl), 0);
  });

  describe('topping up a small batch (TOP_UP_WINDOW_MS)', () => {
    const oneEach = (count: number) =>
      Array.from({ length: count }, (_, index) =>
        encodeInviteChunk(chunk(index + 1, count, [`hire-${index + 1}@example.com`])),
      );

    it('sends a batch of two one-person chunks with the ten waiting behind them in one call, and deletes every message', async () => {
      const { handler, proxy, simulator } = await worker(undefined, { topUpWindowMs: 1_500 });
      await send(oneEach(12).slice(0, 10));
      await send(oneEach(12).slice(10));
      const batch = await receive(1, 2);

      const failed = await invoke(handler, batch);

      assert.equal(batch.length, 2);
      assert.deepEqual(failed, []);
      assert.equal(proxy.calls.length, 1);
      assert.deepEqual(
        invited(simulator).sort(),
        Array.from({ length: 12 }, (_, index) => `hire-${index + 1}@example.com`).sort(),
      );
      assert.equal(await sqs.depth(sqs.invitesUrl), 0, 'nothing left, in flight or not');
    });

    it('takes nothing more for a batch that holds a call already', async () => {
      const { handler, simulator } = await worker(undefined, { topUpWindowMs: 5_000 });
      const thousand = Array.from({ length: 1000 }, (_, index) => `bulk-${index}@example.com`);
      await send([encodeInviteChunk(chunk(1, 2, thousand))]);
      const batch = await receive(1);
      await send([encodeInviteChunk(chunk(2, 2, ['later@example.com']))]);

      const started = performance.now();
      const failed = await invoke(handler, batch);

      assert.deepEqual(failed, []);
      assert.ok(performance.now() - started < 1_500, 'did not wait out the window');
      assert.deepEqual(invited(simulator), thousand);
      assert.equal(await sqs.depth(sqs.invitesUrl), 1);
    });

    it('hands what it received itself back for the Retry-After of a throttle, and reports only the batch', async () => {
      const { handler, proxy } = await worker(
        (call) =>
          call === 1
            ? {
                status: 429,
                headers: { 'x-amzn-errortype': 'ThrottlingException', 'retry-after': '2' },
                body: { message: 'Rate exceeded' },
              }
            : 'forward',
        { topUpWindowMs: 500 },
      );
      await send(oneEach(5));
      const batch = await receive(1, 1);

      const failed = await invoke(handler, batch);
      const handedBack = performance.now();
      const immediately = await receive();
      const again: Message[] = [];
      while (again.length < 5 && performance.now() - handedBack < 5_000) {
        again.push(...(await receive(1)));
      }
      const elapsedMs = performance.now() - handedBack;

      assert.deepEqual(failed, [batch[0]?.MessageId]);
      assert.equal(proxy.calls.length, 1);
      assert.equal(proxy.calls[0]?.accessorIds.length, 5);
      assert.equal(immediately.length, 0, 'all five invisible after the throttle');
      assert.equal(again.length, 5);
      assert.ok(elapsedMs >= 1_500, `back ${Math.round(elapsedMs)} ms after the throttle`);
    });
  });

  it('parks a chunk for a missing space in the DLQ with the reason and deletes it', async () => {
    // The simulator knows another space only: it answers 404 ResourceNotFoundException.
    const { handler, proxy } = await worker(undefined, { knownSpaceIds: ['SPOTHER'] });
    const accessorIds = ['lost-1@example.com', 'lost-2@example.com', 'lost-3@example.com'];
    await send([encodeInviteChunk(chunk(1, 1, accessorIds))]);
    const messages = await receive(1);

    const failed = await invoke(handler, messages);
    const [parked, ...rest] = await sqs.drain(sqs.deadLetterUrl);

    assert.equal(messages.length, 1);
    assert.deepEqual(failed, []);
    assert.equal(proxy.calls.length, 1);
    assert.equal(proxy.calls[0]?.answer, 404);
    assert.equal(proxy.calls[0]?.path, `/spaces/${SPACE_ID}/invite`);
    assert.match(
      proxy.calls[0]?.authorization ?? '',
      /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/repostspace\/aws4_request,/,
    );
    assert.equal(rest.length, 0);
    const attributes = parked?.MessageAttributes ?? {};
    assert.equal(attributes[PARK_ATTRIBUTES.errorType]?.StringValue, 'ResourceNotFoundException');
    assert.equal(
      attributes[PARK_ATTRIBUTES.errorMessage]?.StringValue,
      `Space ${SPACE_ID} not found`,
    );
    assert.equal(
      attributes[PARK_ATTRIBUTES.serviceRequestId]?.StringValue,
      proxy.calls[0]?.requestId,
    );
    assert.ok(proxy.calls[0]?.requestId);
    assert.deepEqual(decodeInviteChunk(parked?.Body ?? '').accessorIds, accessorIds);
    assert.equal(await sqs.depth(sqs.invitesUrl), 0);
  });

  it('delivers every accessor exactly once through 500s and a dropped connection', {
    timeout: 15_000,
  }, async () => {
    const internal = { 'x-amzn-errortype': 'InternalServerException' };
    const { handler, proxy, simulator } = await worker((call) => {
      if (call === 1) {
        return {
          status: 500,
          headers: { ...internal, 'retry-after': '1' },
          body: { message: 'Try again shortly' },
        };
      }
      if (call === 2) return { status: 500, headers: internal, body: { message: 'Internal' } };
      if (call === 3) return 'drop';
      return 'forward';
    });
    const chunks = [1, 2, 3, 4].map((part) =>
      chunk(
        part,
        4,
        [1, 2, 3].map((index) => `flaky-${part}-${index}@example.com`),
      ),
    );
    const everyone = chunks.flatMap((each) => each.accessorIds);
    await send(chunks.map(encodeInviteChunk));
    const lastReceiveCount = new Map<string, number>();

    for (let round = 0; round < 30 && invited(simulator).length < everyone.length; round++) {
      const messages = await receive(3);
      for (const message of messages) {
        const { part } = decodeInviteChunk(message.Body ?? '');
        lastReceiveCount.set(`part ${part}`, Number(message.Attributes?.ApproximateReceiveCount));
      }
      if (messages.length > 0) await invoke(handler, messages);
      else if ((await sqs.depth(sqs.invitesUrl)) === 0) break;
    }

    assert.deepEqual(invited(simulator).sort(), [...everyone].sort());
    const answers = proxy.calls.map((call) => call.answer);
    assert.deepEqual(answers.slice(0, 3), [500, 500, 'drop']);
    assert.ok(answers.slice(3).every((status) => status === 200));
    // Each delivery of a message by SQS is one call carrying its accessors, merged or not.
    const callsCarrying = (each: InviteChunk) =>
      proxy.calls.filter((call) => call.accessorIds.includes(each.accessorIds[0] ?? '')).length;
    assert.deepEqual(
      Object.fromEntries(lastReceiveCount),
      Object.fromEntries(chunks.map((each) => [`part ${each.part}`, callsCarrying(each)])),
    );
    assert.equal(await sqs.depth(sqs.invitesUrl), 0);
    assert.equal(await sqs.depth(sqs.deadLetterUrl), 0);
  });

  it('parks a message that is not JSON as InvalidMessage without calling SendInvites', async () => {
    const { handler, proxy } = await worker();
    await send(['not json {']);
    const messages = await receive(1);

    const failed = await invoke(handler, messages);
    const [parked, ...rest] = await sqs.drain(sqs.deadLetterUrl);

    assert.equal(messages.length, 1);
    assert.deepEqual(failed, []);
    assert.equal(proxy.calls.length, 0);
    assert.equal(rest.length, 0);
    assert.equal(parked?.Body, 'not json {');
    assert.equal(
      parked?.MessageAttributes?.[PARK_ATTRIBUTES.errorType]?.StringValue,
      'InvalidMessage',
    );
    assert.match(
      parked?.MessageAttributes?.[PARK_ATTRIBUTES.errorMessage]?.StringValue ?? '',
      /not JSON/,
    );
    assert.equal(await sqs.depth(sqs.invitesUrl), 0);
  });
});

import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import type { RepostspaceSimulator } from '../../../infra/local/repostspace-simulator/index.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { PARK_ATTRIBUTES } from '../../../shared/adapters/sqs-dead-letter-queue.ts';
import { decodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import { startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';
import { type SqsFaultProxy, startSqsFaultProxy } from '../../helpers/sqs-fault-proxy.ts';
import { settledStatus } from '../../helpers/stack-api.ts';

const SPACE = 'SPFAULTS00000000000000AA';
const IDS_PER_PART = 1_000;

/**
 * Forwards to fauxqs and answers 503 when fauxqs goes away mid-request. The fault proxy awaits
 * its forwards without a catch, and the stack's pollers leave 20 s long polls open at shutdown:
 * this layer lets fauxqs stop under them without an unhandled rejection.
 */
async function startForwarder(target: string) {
  async function readBody(request: IncomingMessage): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of request) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }
  const server = createServer(async (request, response) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (name !== 'host' && typeof value === 'string') headers[name] = value;
    }
    try {
      const forwarded = await fetch(target + (request.url ?? '/'), {
        method: request.method ?? 'POST',
        headers,
        body: await readBody(request),
      });
      const text = await forwarded.text();
      response.writeHead(forwarded.status, {
        'content-type': forwarded.headers.get('content-type') ?? 'application/x-amz-json-1.0',
      });
      response.end(text);
    } catch {
      response.writeHead(503, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'ServiceUnavailable', message: 'fauxqs stopped' }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function accessors(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}@example.com`);
}

/** The IDs the intake puts in part `part` (from 1): it chunks in order, 1000 plain IDs a part. */
function idsOfPart(ids: string[], part: number): string[] {
  return ids.slice((part - 1) * IDS_PER_PART, part * IDS_PER_PART);
}

describe('SQS faults while the intake queues a request, on the local stack', () => {
  const state = tempStateDir();
  let fauxqs: FauxqsServer;
  let forwarder: Awaited<ReturnType<typeof startForwarder>>;
  let proxy: SqsFaultProxy;
  let stack: LocalStack;
  let simulator: RepostspaceSimulator;
  let direct: SQSClient;
  let events: EventBridgeClient;
  const stackEvents = new EventEmitter();

  before(async () => {
    // Errors the intake logs on purpose would fill the test output.
    fauxqs = await startFauxqs({ port: 0, logger: false });
    forwarder = await startForwarder(fauxqs.address);
    proxy = await startSqsFaultProxy(forwarder.endpoint);
    stack = await startTestStack(
      {
        LOCAL_STATE_DIR: state.path,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_ENDPOINT_URL_SQS: proxy.endpoint,
        LOCAL_THROTTLE_RATE: '100',
        LOCAL_THROTTLE_BURST: '100',
      },
      {
        accepted: (line) => stackEvents.emit('accepted', line),
        notice: (line) => stackEvents.emit('notice', line),
      },
    );
    simulator = stack.simulator as RepostspaceSimulator;
    // Reads the queues behind the proxy, so inspecting them is never a fault.
    direct = new SQSClient({
      endpoint: fauxqs.address,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
  });
  after(async () => {
    // Each only if it started: a failed start must not leave the rest running.
    events?.destroy();
    direct?.destroy();
    await stack?.stop();
    await fauxqs?.stop();
    await forwarder?.stop();
    await proxy?.stop();
    state.cleanup();
  });

  async function postInvite(ids: string[], idempotencyKey?: string) {
    const response = await fetch(`${stack.httpUrl}/spaces/${SPACE}/invite`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify({ accessorIds: ids, title: 'Welcome', body: 'Join our space' }),
    });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  /** Waits until `total` accessors were delivered in all, then until the queue is empty. */
  async function settle(total: number) {
    await simulator.waitForDeliveredAccessors(total, { signal: AbortSignal.timeout(30_000) });
    // Deleting a delivered message follows its invocation; nothing signals it, so poll.
    for (let round = 0; round < 100; round++) {
      const summary = await stack.summary();
      if (summary.queued + summary.inFlight === 0) return summary;
      await delay(100);
    }
    assert.fail('the invites queue did not empty');
  }

  function deliveredCount(ids: string[]): number {
    return ids.filter((id) => simulator.deliveries.count(SPACE, id) > 0).length;
  }

  function duplicatesOf(ids: string[]): number {
    return ids.reduce((sum, id) => sum + Math.max(0, simulator.deliveries.count(SPACE, id) - 1), 0);
  }

  it('answers 503 naming the parts that were and were not queued, and only the queued parts are delivered', async (t) => {
    const ids = accessors('partial', 5 * IDS_PER_PART);
    const before = simulator.stats().deliveredAccessors;
    proxy.failEntry = (entry) => entry.Id === '2' || entry.Id === '4';

    const refused = await postInvite(ids, 'partial-1');
    proxy.failEntry = () => false;
    await settle(before + 3 * IDS_PER_PART);

    assert.equal(refused.status, 503);
    assert.equal(refused.retryAfter, '1');
    assert.partialDeepStrictEqual(refused.body, {
      retryable: true,
      queuedParts: [1, 3, 5],
      failedParts: [2, 4],
    });
    assert.equal(typeof refused.body.requestId, 'string');
    for (const part of [1, 3, 5]) assert.equal(deliveredCount(idsOfPart(ids, part)), IDS_PER_PART);
    for (const part of [2, 4]) assert.equal(deliveredCount(idsOfPart(ids, part)), 0);
    assert.equal(duplicatesOf(ids), 0);

    // The caller does as told and retries with the same key: only the missing parts are queued.
    const calls = simulator.stats().calls;
    const retried = await postInvite(ids, 'partial-1');
    assert.equal(retried.status, 202, JSON.stringify(retried.body));
    await settle(before + ids.length);

    assert.equal(retried.body.requestId, refused.body.requestId, 'one request, answered whole');
    assert.equal(deliveredCount(ids), ids.length);
    assert.equal(duplicatesOf(ids), 0);
    const status = await settledStatus(stack, String(refused.body.requestId));
    assert.partialDeepStrictEqual(status.body, {
      status: 'Succeeded',
      accessors: { total: ids.length, invited: ids.length, pending: 0, failed: 0 },
    });
    t.diagnostic(
      `partial failure: 503 queued [1,3,5] failed [2,4]; the retry with the same key queued [2,4] in ${simulator.stats().calls - calls} calls, delivered ${deliveredCount(ids)}, duplicates 0`,
    );
  });

  it('answers 202 only after entries that failed once are queued on a retry, each once', async (t) => {
    const ids = accessors('flaky', 4 * IDS_PER_PART);
    const before = simulator.stats().deliveredAccessors;
    const failedOnce = new Set<string>();
    proxy.failEntry = (entry) => {
      const key = entry.MessageBody.slice(0, 200);
      if (failedOnce.has(key)) return false;
      failedOnce.add(key);
      return true;
    };

    const accepted = await postInvite(ids);
    proxy.failEntry = () => false;
    await settle(before + ids.length);

    assert.equal(accepted.status, 202);
    assert.equal(accepted.body.messageCount, 4);
    assert.equal(failedOnce.size, 4, 'every entry failed its first send');
    assert.equal(deliveredCount(ids), ids.length);
    assert.equal(duplicatesOf(ids), 0);
    t.diagnostic(
      `every entry failing once: 202, delivered ${deliveredCount(ids)}, duplicates ${duplicatesOf(ids)}, dead-lettered 0`,
    );
  });

  it('rides out a short SendMessageBatch outage with 202, and answers a long one with 503 and nothing queued', async (t) => {
    const short = accessors('short-outage', 3 * IDS_PER_PART);
    const long = accessors('long-outage', 3 * IDS_PER_PART);
    const before = simulator.stats().deliveredAccessors;

    proxy.outage('SendMessageBatch', 2);
    const survived = await postInvite(short);
    await settle(before + short.length);
    proxy.outage('SendMessageBatch', 1_000);
    const acceptedBefore = (await stack.summary()).acceptedRequests;
    const refused = await postInvite(long);
    proxy.outage('SendMessageBatch', 0);
    const summary = await stack.summary();

    assert.equal(survived.status, 202);
    assert.equal(deliveredCount(short), short.length);
    assert.equal(duplicatesOf(short), 0);
    assert.equal(refused.status, 503);
    assert.partialDeepStrictEqual(refused.body, { queuedParts: [], failedParts: [1, 2, 3] });
    assert.equal(summary.acceptedRequests, acceptedBefore);
    assert.equal(summary.queued + summary.inFlight, 0);
    assert.equal(deliveredCount(long), 0);
    t.diagnostic(
      `short outage: 202, delivered ${deliveredCount(short)}, duplicates ${duplicatesOf(short)}; long outage: 503, queued 0, delivered ${deliveredCount(long)}`,
    );
  });

  it('parks the parts of an HR event that SQS refused, so none is lost and none is queued twice', async (t) => {
    const ids = accessors('hr-partial', 3 * IDS_PER_PART);
    const before = simulator.stats().deliveredAccessors;
    proxy.failEntry = (entry) => entry.Id === '2';
    const eventHandled = once(stackEvents, 'accepted', { signal: AbortSignal.timeout(30_000) });
    const output = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'hr.events',
            DetailType: 'Invite Requested',
            Detail: JSON.stringify({ spaceId: SPACE, accessorIds: ids, title: 'T', body: 'B' }),
          },
        ],
      }),
    );
    const [handled] = (await eventHandled) as [{ kind: string }];
    proxy.failEntry = () => false;
    await settle(before + 2 * IDS_PER_PART);
    const parked: Message[] = [];
    for (let round = 0; round < 10 && parked.length === 0; round++) {
      const { Messages = [] } = await direct.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.queues.deadLetter.url,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      parked.push(...Messages);
    }

    assert.equal(output.FailedEntryCount, 0);
    assert.equal(handled.kind, 'event');
    assert.equal(parked.length, 1);
    assert.equal(
      parked[0]?.MessageAttributes?.[PARK_ATTRIBUTES.errorType]?.StringValue,
      'EnqueueFailed',
    );
    const chunk = decodeInviteChunk(parked[0]?.Body ?? '');
    assert.equal(chunk.part, 2);
    assert.deepEqual(chunk.accessorIds, idsOfPart(ids, 2));
    for (const part of [1, 3]) assert.equal(deliveredCount(idsOfPart(ids, part)), IDS_PER_PART);
    assert.equal(deliveredCount(idsOfPart(ids, 2)), 0);
    t.diagnostic(
      `HR event, part 2 refused: delivered ${deliveredCount(ids)}, duplicates ${duplicatesOf(ids)}, dead-lettered ${chunk.accessorIds.length} (EnqueueFailed, redrivable)`,
    );
  });
});

import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { after, before, describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  ChangeMessageVisibilityCommand,
  GetQueueAttributesCommand,
  type ReceiveMessageCommandOutput,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import {
  type EventSourceMappingOptions,
  SqsEventSourceMapping,
} from '../../../infra/local/event-source-mapping.ts';
import { type SqsContext, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

async function arn(sqs: SqsContext, url: string): Promise<string> {
  const { Attributes } = await sqs.client.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  return Attributes?.QueueArn ?? '';
}

async function send(sqs: SqsContext, bodies: string[]) {
  await sqs.client.send(
    new SendMessageBatchCommand({
      QueueUrl: sqs.invitesUrl,
      Entries: bodies.map((body, index) => ({ Id: String(index), MessageBody: body })),
    }),
  );
}

/** A mapping on the context's invites queue with one execution environment. */
async function createMapping(
  sqs: SqsContext,
  handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
  options: Partial<EventSourceMappingOptions> = {},
): Promise<SqsEventSourceMapping> {
  return new SqsEventSourceMapping({
    client: sqs.client,
    queueUrl: sqs.invitesUrl,
    queueArn: await arn(sqs, sqs.invitesUrl),
    functionName: 'worker',
    region: 'us-east-1',
    environments: [handler],
    timeoutSeconds: 5,
    batchSize: 10,
    maximumBatchingWindowSeconds: 0,
    reportBatchItemFailures: true,
    ...options,
  });
}

describe('SqsEventSourceMapping', () => {
  let sqs: SqsContext;

  before(async () => {
    // Messages left on the queue reappear after a second, so the test can receive them again.
    sqs = await startSqs({ visibilityTimeout: 1 });
  });
  after(async () => {
    await sqs.stop();
  });

  function mapping(
    handler: (event: SQSEvent) => Promise<SQSBatchResponse>,
    onInvocation: (report: { deleted: number; failed: number; error?: unknown }) => void,
  ) {
    return createMapping(sqs, handler, { onInvocation });
  }

  it('deletes what the response does not report failed and leaves the failed on the queue', async () => {
    const seen: SQSEvent[] = [];
    const settled = Promise.withResolvers<void>();
    const esm = await mapping(
      async (event) => {
        seen.push(event);
        return {
          batchItemFailures: event.Records.filter((record) => record.body.startsWith('fail')).map(
            (record) => ({
              itemIdentifier: record.messageId,
            }),
          ),
        };
      },
      () => settled.resolve(),
    );
    await send(sqs, ['ok-1', 'fail-2', 'ok-3', 'fail-4']);

    esm.start();
    await settled.promise;
    await esm.stop();
    const left = await sqs.drain(sqs.invitesUrl, 30, 3);

    const record = seen[0]?.Records[0];
    assert.equal(record?.eventSource, 'aws:sqs');
    assert.equal(record?.attributes.ApproximateReceiveCount, '1');
    assert.match(record?.eventSourceARN ?? '', /^arn:aws:sqs:/);
    assert.deepEqual(left.map((message) => message.Body).sort(), ['fail-2', 'fail-4']);
  });

  it('deletes nothing, as Lambda, when the response names a message not in the batch or is malformed', async () => {
    const answers: unknown[] = [
      { batchItemFailures: [{ itemIdentifier: 'not-in-this-batch' }] },
      { batchItemFailures: [{ itemIdentifier: '' }] },
      { batchItemFailures: [null] },
      { batchItemFailures: 'm1' },
    ];
    for (const answer of answers) {
      const settled = Promise.withResolvers<unknown>();
      const esm = await mapping(
        async () => answer as SQSBatchResponse,
        (report) => settled.resolve(report.error),
      );
      await send(sqs, ['a', 'b']);

      esm.start();
      const error = await settled.promise;
      await esm.stop();
      const left = await sqs.drain(sqs.invitesUrl, 30, 3);

      assert.match(String(error), /batchItemFailures/, JSON.stringify(answer));
      assert.deepEqual(
        left.map((message) => message.Body).sort(),
        ['a', 'b'],
        JSON.stringify(answer),
      );
    }
  });

  it('gives an environment whose run timed out no other batch until that run has ended', async () => {
    const steps: string[] = [];
    const second = Promise.withResolvers<void>();
    let invocations = 0;
    const esm = await createMapping(
      sqs,
      async () => {
        const invocation = ++invocations;
        steps.push(`start ${invocation}`);
        if (invocation === 1) {
          // Runs on well past its 50 ms, as a worker held up by a slow table would.
          await delay(300);
          steps.push('end 1');
        } else second.resolve();
        return { batchItemFailures: [] };
      },
      { timeoutSeconds: 0.05, batchSize: 1 },
    );
    await send(sqs, ['first', 'second']);

    esm.start();
    await second.promise;
    await esm.stop();
    await sqs.drain(sqs.invitesUrl, 30, 3);

    assert.deepEqual(steps, ['start 1', 'end 1', 'start 2']);
  });

  it('deletes nothing when the handler throws', async () => {
    const settled = Promise.withResolvers<unknown>();
    const esm = await mapping(
      async () => {
        throw new Error('handler crashed');
      },
      (report) => settled.resolve(report.error),
    );
    await send(sqs, ['a', 'b', 'c']);

    esm.start();
    const error = await settled.promise;
    await esm.stop();
    const left = await sqs.drain(sqs.invitesUrl, 30, 3);

    assert.match(String(error), /handler crashed/);
    assert.deepEqual(left.map((message) => message.Body).sort(), ['a', 'b', 'c']);
  });
});

/** Visible and in-flight messages on the context's invites queue. */
async function queueState(sqs: SqsContext): Promise<{ visible: number; notVisible: number }> {
  const { Attributes = {} } = await sqs.client.send(
    new GetQueueAttributesCommand({
      QueueUrl: sqs.invitesUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(Attributes.ApproximateNumberOfMessages),
    notVisible: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
  };
}

/** A client of the context's SQS whose `received` settles when a receive first gets messages. */
function observedClient(sqs: SqsContext): { client: SQSClient; received: Promise<unknown> } {
  const client = new SQSClient({
    endpoint: sqs.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  const events = new EventEmitter();
  const received = once(events, 'received');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const { Messages = [] } = result.output as ReceiveMessageCommandOutput;
      if (context.commandName === 'ReceiveMessageCommand' && Messages.length > 0) {
        events.emit('received');
      }
      return result;
    },
    { step: 'initialize', name: 'reportReceives' },
  );
  return { client, received };
}

describe('SqsEventSourceMapping, stopping', () => {
  // Long enough that a message still invisible after stop() was not handed back.
  const VISIBILITY_TIMEOUT = 300;

  async function startQueue(t: TestContext): Promise<SqsContext> {
    const sqs = await startSqs({ visibilityTimeout: VISIBILITY_TIMEOUT });
    t.after(() => sqs.stop());
    return sqs;
  }

  /** A handler that announces each invocation and returns once `gate` settles. */
  function gatedHandler(answer: (event: SQSEvent) => Promise<SQSBatchResponse>) {
    const invoked = Promise.withResolvers<SQSEvent>();
    const gate = Promise.withResolvers<void>();
    const handler = async (event: SQSEvent) => {
      invoked.resolve(event);
      await gate.promise;
      return answer(event);
    };
    return { handler, invoked: invoked.promise, open: () => gate.resolve() };
  }

  it('hands back at once what it was gathering into a batch, and what a receive gets while it stops', async (t) => {
    const sqs = await startQueue(t);
    const observed = observedClient(sqs);
    t.after(() => observed.client.destroy());
    let invocations = 0;
    const esm = await createMapping(
      sqs,
      async () => {
        invocations++;
        return { batchItemFailures: [] };
      },
      { client: observed.client, maximumBatchingWindowSeconds: 60 },
    );
    await send(sqs, ['a', 'b', 'c']);

    esm.start();
    await observed.received;
    await Promise.all([esm.stop(), send(sqs, ['d', 'e'])]);

    assert.equal(invocations, 0);
    assert.deepEqual(await queueState(sqs), { visible: 5, notVisible: 0 });
    const again = await sqs.drain(sqs.invitesUrl, 30);
    assert.deepEqual(again.map((message) => message.Body).sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('lets a running invocation finish: deletes what it did and leaves what it delayed', async (t) => {
    const sqs = await startQueue(t);
    const gated = gatedHandler(async (event) => {
      const delayed = event.Records.filter((record) => record.body.startsWith('delayed'));
      for (const record of delayed) {
        await sqs.client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: sqs.invitesUrl,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: VISIBILITY_TIMEOUT,
          }),
        );
      }
      return { batchItemFailures: delayed.map((record) => ({ itemIdentifier: record.messageId })) };
    });
    const esm = await createMapping(sqs, gated.handler);
    await send(sqs, ['ok-1', 'ok-2', 'delayed-3']);

    esm.start();
    const event = await gated.invoked;
    const stopped = esm.stop();
    gated.open();
    await stopped;

    assert.equal(event.Records.length, 3);
    assert.deepEqual(await queueState(sqs), { visible: 0, notVisible: 1 });
  });

  it('hands back at once the batch of an invocation that fails while it stops', async (t) => {
    const sqs = await startQueue(t);
    const gated = gatedHandler(async () => {
      throw new Error('worker crashed');
    });
    const esm = await createMapping(sqs, gated.handler);
    await send(sqs, ['a', 'b', 'c']);

    esm.start();
    await gated.invoked;
    const stopped = esm.stop();
    gated.open();
    await stopped;

    assert.deepEqual(await queueState(sqs), { visible: 3, notVisible: 0 });
  });

  it('leaves nothing invisible that arrives while another environment is polling and it stops', async (t) => {
    const sqs = await startQueue(t);
    const gated = gatedHandler(async () => ({ batchItemFailures: [] }));
    const esm = await createMapping(sqs, gated.handler, {
      environments: [gated.handler, gated.handler],
    });
    await send(sqs, ['first']);

    esm.start();
    await gated.invoked;
    const stopped = esm.stop();
    await send(sqs, ['x', 'y', 'z']);
    gated.open();
    await stopped;

    assert.deepEqual(await queueState(sqs), { visible: 3, notVisible: 0 });
    const again = await sqs.drain(sqs.invitesUrl, 30);
    assert.deepEqual(again.map((message) => message.Body).sort(), ['x', 'y', 'z']);
  });
});

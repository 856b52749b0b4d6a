import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetQueueAttributesCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { SqsEventSourceMapping } from '../../../infra/local/event-source-mapping.ts';
import { type SqsContext, startSqs } from '../../helpers/sqs.ts';

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
    return arn(sqs, sqs.invitesUrl).then(
      (queueArn) =>
        new SqsEventSourceMapping({
          client: sqs.client,
          queueUrl: sqs.invitesUrl,
          queueArn,
          functionName: 'worker',
          region: 'us-east-1',
          environments: [handler],
          timeoutSeconds: 5,
          batchSize: 10,
          maximumBatchingWindowSeconds: 0,
          reportBatchItemFailures: true,
          onInvocation,
        }),
    );
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

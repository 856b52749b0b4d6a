import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { PEEK_LIMITS, peekDeadLetters } from '../../../scripts/console/sqs-dead-letter-reader.ts';
import { type SqsContext, startSqs } from '../../helpers/sqs.ts';

describe('peekDeadLetters', () => {
  let sqs: SqsContext;

  before(async () => {
    sqs = await startSqs();
    for (let batch = 0; batch < 3; batch++) {
      await sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: sqs.deadLetterUrl,
          Entries: Array.from({ length: 10 }, (_, index) => ({
            Id: String(index),
            MessageBody: `${batch}-${index} ${'x'.repeat(10_000)}`,
          })),
        }),
      );
    }
  });
  after(() => sqs.stop());

  it('reads every message of the queue and leaves them all there', async () => {
    const snapshot = await peekDeadLetters(sqs.client, sqs.deadLetterUrl);

    assert.equal(snapshot.messages.length, 30);
    assert.equal(snapshot.complete, true);
    assert.equal(await sqs.depth(sqs.deadLetterUrl), 30);
  });

  it('stops once the bodies it holds pass its byte limit, and says the look is incomplete', async () => {
    const snapshot = await peekDeadLetters(sqs.client, sqs.deadLetterUrl, {
      ...PEEK_LIMITS,
      bytes: 45_000,
    });

    assert.ok(snapshot.messages.length >= 5 && snapshot.messages.length < 30);
    assert.equal(snapshot.complete, false);
    assert.equal(snapshot.depth, 30);
  });
});

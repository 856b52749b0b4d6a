import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { receivedMessageOf } from '../../shared/adapters/sqs-batch-source.ts';
import {
  DELIVERED_ATTRIBUTES,
  SqsDeliveredRequeue,
} from '../../shared/adapters/sqs-delivered-requeue.ts';
import { encodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import { deliveredMark, skippedOfMark } from '../../shared/domain/skipped-mask.ts';
import { testChunk } from '../helpers/chunks.ts';
import { type SqsContext, startSqs } from '../helpers/sqs.ts';

describe('a delivered chunk put back on the queue, through fauxqs', () => {
  let sqs: SqsContext;
  before(async () => {
    sqs = await startSqs();
  });
  after(() => sqs.stop());

  async function requeueAndReceive(accessorIds: string[], skippedIds: string[]) {
    const chunk = testChunk(1, { accessorIds });
    const requeue = new SqsDeliveredRequeue({ client: sqs.client, queueUrl: sqs.invitesUrl });
    await requeue.requeueDelivered(
      encodeInviteChunk(chunk),
      deliveredMark(5_000, chunk, skippedIds),
    );
    const [message] = await sqs.drain(sqs.invitesUrl);
    assert.ok(message);
    const received = receivedMessageOf(message);
    assert.ok(received.delivered);
    return { chunk, message, mark: received.delivered };
  }

  it('carries a short list of skipped IDs as they are', async () => {
    const { chunk, message, mark } = await requeueAndReceive(
      ['a@example.com', 'b@example.com'],
      ['b@example.com'],
    );

    assert.equal(
      message.MessageAttributes?.[DELIVERED_ATTRIBUTES.skippedIds]?.StringValue,
      '["b@example.com"]',
    );
    assert.deepEqual(skippedOfMark(mark, chunk), ['b@example.com']);
  });

  it('carries a list too long for an attribute as a mask, so nobody skipped counts as invited', async () => {
    const accessorIds = Array.from({ length: 1000 }, (_, index) => `person-${index}@example.com`);
    const skipped = accessorIds.filter((_, index) => index % 3 === 0);

    const { chunk, message, mark } = await requeueAndReceive(accessorIds, skipped);

    assert.equal(message.MessageAttributes?.[DELIVERED_ATTRIBUTES.skippedIds], undefined);
    assert.equal(mark.at, 5_000);
    assert.deepEqual(skippedOfMark(mark, chunk), skipped);
  });
});

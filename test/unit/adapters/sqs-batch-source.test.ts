import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receivedMessageOf } from '../../../shared/adapters/sqs-batch-source.ts';
import { DELIVERED_ATTRIBUTES } from '../../../shared/adapters/sqs-delivered-requeue.ts';

describe('receivedMessageOf', () => {
  it('keeps the receive count and the delivered mark, so a topped-up chunk settles as the batch does', () => {
    const message = receivedMessageOf({
      MessageId: 'm-1',
      ReceiptHandle: 'h-1',
      Body: '{"v":1}',
      Attributes: { ApproximateReceiveCount: '100' },
      MessageAttributes: {
        [DELIVERED_ATTRIBUTES.deliveredAt]: {
          DataType: 'String',
          StringValue: '2026-12-01T10:00:00.000Z',
        },
        [DELIVERED_ATTRIBUTES.skippedIds]: { DataType: 'String', StringValue: '["a@example.com"]' },
      },
    });

    assert.deepEqual(message, {
      messageId: 'm-1',
      receiptHandle: 'h-1',
      body: '{"v":1}',
      receiveCount: 100,
      delivered: { at: Date.parse('2026-12-01T10:00:00.000Z'), skippedIds: ['a@example.com'] },
    });
  });

  it('reads an ordinary chunk as a first receive with no mark', () => {
    assert.deepEqual(receivedMessageOf({ MessageId: 'm-2', ReceiptHandle: 'h-2', Body: 'x' }), {
      messageId: 'm-2',
      receiptHandle: 'h-2',
      body: 'x',
      receiveCount: 1,
    });
  });
});

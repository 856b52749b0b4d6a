import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  PARK_ATTRIBUTES,
  SqsDeadLetterQueue,
} from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { type SqsContext, startSqs } from '../helpers/sqs.ts';

describe('the dead-letter queue on SQS (fauxqs)', () => {
  let sqs: SqsContext;
  let deadLetters: SqsDeadLetterQueue;

  before(async () => {
    sqs = await startSqs();
    deadLetters = new SqsDeadLetterQueue({ client: sqs.client, queueUrl: sqs.deadLetterUrl });
  });
  after(() => sqs.stop());

  it('parks a message whose reason is long, cut mid-way through a pair of surrogates, or holds what SQS refuses', async () => {
    // A character beyond the BMP straddles the 1024-character cut; the type holds a control.
    const errorMessage = `${'m'.repeat(1023)}😀${'m'.repeat(5_000)}`;
    const errorType = `Odd\u0001Type\uffff${'T'.repeat(2_000)}`;

    await deadLetters.park('{"v":1}', { errorType, errorMessage });

    const [parked, ...rest] = await sqs.drain(sqs.deadLetterUrl);
    assert.equal(rest.length, 0);
    assert.equal(parked?.Body, '{"v":1}');
    const attributes = parked?.MessageAttributes ?? {};
    assert.equal(
      attributes[PARK_ATTRIBUTES.errorMessage]?.StringValue,
      `${'m'.repeat(1023)}\ufffd`,
    );
    assert.equal(
      attributes[PARK_ATTRIBUTES.errorType]?.StringValue,
      `Odd\ufffdType\ufffd${'T'.repeat(1024 - 9)}`,
    );
  });

  it('names the error type as the message when the message is empty', async () => {
    await deadLetters.park('{"v":1}', { errorType: 'InvalidMessage', errorMessage: '' });

    const [parked] = await sqs.drain(sqs.deadLetterUrl);
    assert.equal(
      parked?.MessageAttributes?.[PARK_ATTRIBUTES.errorMessage]?.StringValue,
      'InvalidMessage',
    );
  });
});

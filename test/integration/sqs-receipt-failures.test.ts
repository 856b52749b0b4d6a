import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { SqsBatchSource } from '../../shared/adapters/sqs-batch-source.ts';
import { SqsVisibility } from '../../shared/adapters/sqs-visibility.ts';
import { type SqsContext, startSqs } from '../helpers/sqs.ts';

describe('SQS batch actions on received messages (fauxqs)', () => {
  let sqs: SqsContext;

  before(async () => {
    sqs = await startSqs();
  });
  after(() => sqs.stop());

  it('name only the entries SQS refused, each with the code and message SQS gave', async () => {
    await sqs.client.send(new SendMessageCommand({ QueueUrl: sqs.invitesUrl, MessageBody: 'x' }));
    const [received] = await sqs.drain(sqs.invitesUrl);
    const visibility = new SqsVisibility({ client: sqs.client, queueUrl: sqs.invitesUrl });

    const failures = await visibility.delay([received?.ReceiptHandle ?? '', 'not-a-handle'], 0);

    assert.deepEqual(
      failures.map(({ receiptHandle, error }) => [receiptHandle, error.name]),
      [['not-a-handle', 'ReceiptHandleIsInvalid']],
    );
    assert.match(failures[0]?.error.message ?? '', /receipt handle is invalid.*\(sender fault\)$/i);
  });

  it('name every entry of a call that failed as a whole, with the error it failed with', async () => {
    const source = new SqsBatchSource({ client: sqs.client, queueUrl: `${sqs.invitesUrl}-gone` });

    const failures = await source.delete(['one', 'two']);

    assert.deepEqual(
      failures.map(({ receiptHandle, error }) => [receiptHandle, error.name]),
      [
        ['one', 'QueueDoesNotExist'],
        ['two', 'QueueDoesNotExist'],
      ],
    );
  });
});

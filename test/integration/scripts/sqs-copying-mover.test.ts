import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { MOVE_TASK_STATUS } from '../../../scripts/lib/message-mover.ts';
import { SqsCopyingMover } from '../../../scripts/lib/sqs-copying-mover.ts';
import { type SqsContext, startSqs } from '../../helpers/sqs.ts';

describe('SqsCopyingMover on fauxqs', () => {
  let sqs: SqsContext;
  let dlqArn: string;

  async function park(count: number) {
    for (let index = 1; index <= count; index++) {
      await sqs.client.send(
        new SendMessageCommand({ QueueUrl: sqs.deadLetterUrl, MessageBody: `chunk ${index}` }),
      );
    }
  }

  async function run(mover: SqsCopyingMover, destinationUrl: string, rate?: number) {
    await mover.start({
      sourceArn: dlqArn,
      destinationArn: 'arn:aws:sqs:us-east-1:000000000000:destination',
      sourceUrl: sqs.deadLetterUrl,
      destinationUrl,
      ...(rate === undefined ? {} : { maxMessagesPerSecond: rate }),
    });
    await mover.settled();
    const [task] = await mover.list(dlqArn);
    assert.ok(task);
    return task;
  }

  before(async () => {
    sqs = await startSqs();
    const { Attributes = {} } = await sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: sqs.deadLetterUrl, AttributeNames: ['QueueArn'] }),
    );
    dlqArn = Attributes.QueueArn as string;
  });
  after(() => sqs.stop());
  beforeEach(async () => {
    for (const url of [sqs.deadLetterUrl, sqs.invitesUrl]) {
      await sqs.client.send(new PurgeQueueCommand({ QueueUrl: url }));
    }
  });

  it('fails the task when a send fails, and leaves what it could not send in the source', async () => {
    // Prepare
    await park(3);
    const missing = sqs.invitesUrl.replace(/[^/]+$/, 'no-such-queue');

    // Act
    const task = await run(new SqsCopyingMover(sqs.client), missing);

    // Assess: nothing moved, nothing lost; the three come back once their 30 s are over.
    assert.equal(task.status, MOVE_TASK_STATUS.failed);
    assert.match(task.failureReason ?? '', /QueueDoesNotExist|NonExistentQueue|does not exist/i);
    assert.equal(task.moved, 0);
    assert.equal(await sqs.depth(sqs.deadLetterUrl), 3);
  });

  it('fails the task, counting it unmoved, when a copied message cannot be deleted from the source', async () => {
    // Prepare: SQS refuses the delete of the first entry of each DeleteMessageBatch.
    await park(3);
    const name = 'refuseFirstDelete';
    sqs.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'DeleteMessageBatchCommand') return next(args);
        const input = args.input as unknown as { Entries: { Id: string }[] };
        const [refused, ...rest] = input.Entries;
        const kept = { ...input, Entries: rest } as unknown as typeof args.input;
        const result = await next({ ...args, input: kept });
        const output = result.output as { Failed?: unknown[] };
        output.Failed = [
          { Id: refused?.Id, Code: 'AccessDenied', Message: 'Access denied', SenderFault: true },
        ];
        return result;
      },
      { step: 'initialize', name },
    );

    // Act
    const task = await run(new SqsCopyingMover(sqs.client), sqs.invitesUrl).finally(() =>
      sqs.client.middlewareStack.remove(name),
    );

    // Assess: three copies went out, two left the source, and the task says why it stopped.
    assert.equal(task.status, MOVE_TASK_STATUS.failed);
    assert.match(
      task.failureReason ?? '',
      /1 messages were copied but could not be deleted.*AccessDenied/,
    );
    assert.equal(task.moved, 2);
    assert.equal(await sqs.depth(sqs.deadLetterUrl), 1);
    assert.equal(await sqs.depth(sqs.invitesUrl), 3);
  });

  it('moves no faster than the rate it was given', async () => {
    // Prepare
    await park(4);
    const started = performance.now();

    // Act
    const task = await run(new SqsCopyingMover(sqs.client), sqs.invitesUrl, 2);

    // Assess: 4 messages at 2 a second end no sooner than 2 s after the start.
    assert.equal(task.status, MOVE_TASK_STATUS.completed);
    assert.equal(task.moved, 4);
    assert.ok(performance.now() - started >= 1_900, `${performance.now() - started} ms`);
    assert.equal(await sqs.depth(sqs.invitesUrl), 4);
  });
});

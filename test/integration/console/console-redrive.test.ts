/**
 * The console's redrive when the console stops: moving in its own process (fauxqs has no
 * message move tasks), it finishes the messages in hand and leaves the rest in the DLQ.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createConsoleBackend } from '../../../scripts/console/console-backend.ts';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';
import { createDynamoDbClient } from '../../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../../shared/adapters/sqs-client.ts';
import { type SqsContext, startSqs, TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const PARKED = 30;

describe('the console’s redrive when the console stops', () => {
  let sqs: SqsContext;

  before(async () => {
    sqs = await startSqs();
  });
  after(() => sqs.stop());

  it('finishes the messages in hand and leaves the rest in the DLQ: none is in both queues', async () => {
    // Prepare: a backend on a client of its own, whose first SendMessage closes the backend
    // while that message is in hand.
    for (let index = 1; index <= PARKED; index++) {
      await sqs.client.send(
        new SendMessageCommand({ QueueUrl: sqs.deadLetterUrl, MessageBody: `parked ${index}` }),
      );
    }
    const client = createSqsClient({
      endpoint: sqs.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    const backend = createConsoleBackend({
      label: 'test',
      local: true,
      apiUrl: 'http://127.0.0.1:9',
      sign: sendUnsigned,
      sqs: client,
      dynamodb: createDynamoDbClient({
        endpoint: 'http://127.0.0.1:9',
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
      }),
      tableName: 'unused-table',
      queueUrls: async () => ({ deadLetter: sqs.deadLetterUrl, invites: sqs.invitesUrl }),
      rate: { read: () => Promise.reject(new Error('not used')) },
    });
    let closing: Promise<void> | undefined;
    client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'SendMessageCommand') closing ??= backend.close();
        return next(args);
      },
      { step: 'initialize', name: 'closeOnFirstSend' },
    );

    // Act
    assert.equal(backend.redrive.start(), true);
    await backend.redrive.settled();
    await closing;

    // Assess
    const state = backend.redrive.state();
    assert.equal(state.running, false);
    assert.equal(state.outcome, 'interrupted');
    const said = /^Stopped after moving (\d+) messages; the rest stay in invites-dlq\.$/.exec(
      state.lines.at(-1) ?? '',
    );
    const moved = Number(said?.[1]);
    assert.ok(moved > 0 && moved < PARKED, `moved ${moved}: ${state.lines.join(' / ')}`);
    const bodies = async (queueUrl: string) =>
      (await sqs.drain(queueUrl)).map((received) => received.Body ?? '');
    const [sent, left] = [await bodies(sqs.invitesUrl), await bodies(sqs.deadLetterUrl)];
    assert.equal(sent.length, moved);
    assert.deepEqual(
      [...sent, ...left].sort(),
      Array.from({ length: PARKED }, (_, index) => `parked ${index + 1}`).sort(),
    );
  });
});

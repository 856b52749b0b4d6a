import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { ChangeMessageVisibilityCommand } from '@aws-sdk/client-sqs';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const TIMEOUTS = { requestTimeoutMs: 200, maxAttempts: 2 };

describe('clients built with timeouts, against an endpoint that never answers', () => {
  let blackHole: Server;
  let endpoint: string;
  const sockets = new Set<Socket>();
  let connections = 0;

  before(async () => {
    // Takes every connection and never answers, as a hung endpoint would.
    blackHole = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    blackHole.listen(0, '127.0.0.1');
    await once(blackHole, 'listening');
    endpoint = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}`;
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    blackHole.close();
    await once(blackHole, 'close');
  });

  const options = () => ({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    timeouts: TIMEOUTS,
  });
  const calls = {
    DynamoDB: () => {
      const client = createDynamoDbClient(options());
      return {
        client,
        call: client.send(
          new GetItemCommand({ TableName: 'ledger', Key: { pk: { S: 'a' }, sk: { S: 'b' } } }),
        ),
      };
    },
    SQS: () => {
      const client = createSqsClient(options());
      return {
        client,
        call: client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: `${endpoint}/000000000000/invites`,
            ReceiptHandle: 'rh',
            VisibilityTimeout: 1,
          }),
        ),
      };
    },
  };

  for (const [service, start] of Object.entries(calls)) {
    it(`${service}: gives up after the given attempts, each cut off at its timeout`, {
      timeout: 10_000,
    }, async () => {
      connections = 0;
      const started = performance.now();
      const { client, call } = start();
      try {
        // The SDK's own timeout, not some other failure of the call.
        await assert.rejects(call, { name: 'TimeoutError' });
      } finally {
        client.destroy();
      }
      const elapsed = performance.now() - started;
      assert.equal(connections, TIMEOUTS.maxAttempts);
      // Two timeouts and the SDK's backoff between them, far from a hung call's forever.
      assert.ok(elapsed >= TIMEOUTS.requestTimeoutMs, `gave up after ${elapsed} ms`);
      assert.ok(elapsed < 5_000, `gave up after ${elapsed} ms`);
    });
  }
});

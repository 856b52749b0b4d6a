import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type IncomingMessage, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { stackActivity, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

/** What a page on another site makes a browser send, beside its request's own headers. */
const FROM_A_PAGE = { origin: 'https://pages.example', 'sec-fetch-site': 'cross-site' };

/**
 * POSTs `body` to `url` with exactly `headers` (fetch would not let a test set `Host`); resolves
 * to the status.
 */
async function post(url: string, headers: Record<string, string>, body: string): Promise<number> {
  const outgoing = request(url, { method: 'POST', headers });
  outgoing.end(body);
  const [response] = (await once(outgoing, 'response')) as [IncomingMessage];
  response.resume();
  return response.statusCode ?? 0;
}

describe('the local stack against web pages', () => {
  const state = tempStateDir();
  let stack: LocalStack;

  before(async () => {
    stack = await startTestStack({ LOCAL_STATE_DIR: state.path, POWERTOOLS_LOG_LEVEL: 'SILENT' });
  });
  after(async () => {
    await stack?.stop();
    state.cleanup();
  });

  it('refuses a page that posts an invite (a simple request, no preflight), and invokes nothing', async () => {
    const invite = JSON.stringify({ accessorIds: ['someone@example.com'], title: 'T', body: 'B' });
    const url = `${stack.httpUrl}/spaces/SPLOCALDEMO0000000000000/invite`;

    const statuses = [
      await post(url, FROM_A_PAGE, invite),
      await post(url, { origin: 'null' }, invite),
      await post(url, { 'sec-fetch-site': 'same-site' }, invite),
    ];

    assert.deepEqual(statuses, [403, 403, 403]);
    assert.equal((await stackActivity(stack)).accepted, 0);
  });

  it('answers an address typed into the browser, and programs that say nothing of pages', async () => {
    const typed = await fetch(`${stack.httpUrl}/health`, { headers: { 'sec-fetch-site': 'none' } });
    const sqs = new SQSClient({
      endpoint: stack.sqsEndpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    try {
      const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));

      assert.equal(typed.status, 200);
      assert.ok(QueueUrls.some((url) => url.endsWith('-invites')));
    } finally {
      sqs.destroy();
    }
  });

  it("refuses a page that reaches for the ledger (dynalite answers any origin's CORS) or the queues", async () => {
    const scan = JSON.stringify({ TableName: 'repost-invite-pipeline-local-ledger' });
    const dynamodb = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'DynamoDB_20120810.Scan',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00',
      'x-amz-date': '20260101T000000Z',
    };
    const sqs = {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': 'AmazonSQS.ListQueues',
    };

    const preflight = await fetch(stack.dynamodbEndpoint, {
      method: 'OPTIONS',
      headers: { ...FROM_A_PAGE, 'access-control-request-method': 'POST' },
    });
    const statuses = [
      preflight.status,
      await post(stack.dynamodbEndpoint, { ...dynamodb, ...FROM_A_PAGE }, scan),
      await post(stack.sqsEndpoint, { ...sqs, ...FROM_A_PAGE }, '{}'),
      // A page whose name was rebound to 127.0.0.1 still sends its own name as the Host.
      await post(stack.sqsEndpoint, { ...sqs, host: 'rebound.example' }, '{}'),
      await post(stack.dynamodbEndpoint, { ...dynamodb, host: 'rebound.example' }, scan),
    ];

    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.deepEqual(statuses, [403, 403, 403, 403, 403]);
  });
});

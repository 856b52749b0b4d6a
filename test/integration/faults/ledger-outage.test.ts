import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { DELIVERY_WAIT_MS, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { freePort } from '../../helpers/ports.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';

const SPACE = LOCAL_DEMO_SPACE_ID;

describe('the ledger stopped in the middle of a run', { timeout: 90_000 }, () => {
  const state = tempStateDir();
  const ledgerState = tempStateDir();
  let stack: LocalStack;
  let dynamodb: DynamoDbContext;
  let port: number;

  before(async () => {
    port = await freePort();
    dynamodb = await startDynamoDb({ port, path: ledgerState.path });
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
      // Slow enough that the outage lands in the middle of the delivery.
      LOCAL_THROTTLE_RATE: '10',
      LOCAL_THROTTLE_BURST: '2',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  after(async () => {
    // Each only if it started: a failed start must not leave the rest running.
    await stack?.stop();
    await dynamodb?.stop().catch(() => undefined);
    state.cleanup();
    ledgerState.cleanup();
  });

  async function post(ids: string[]) {
    const response = await fetch(`${stack.httpUrl}/spaces/${SPACE}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessorIds: ids, title: 'Welcome', body: 'Join our space' }),
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  }

  async function status(requestId: string) {
    const response = await fetch(`${stack.httpUrl}/requests/${requestId}`);
    return (await response.json()) as { status: string; accessors: Record<string, number> };
  }

  it('never costs an invite: delivery goes on, the intake answers 503, and the counts are right once it is back', async () => {
    // Prepare: a request of 40 chunks that takes a few seconds to deliver.
    const simulator = stack.simulator;
    assert.ok(simulator);
    const ids = Array.from({ length: 40_000 }, (_, index) => `outage-${index}@example.com`);
    const accepted = await post(ids);
    assert.equal(accepted.status, 202);
    const requestId = String(accepted.body.requestId);
    await simulator.waitForDeliveredAccessors(5_000, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });

    // Act: the ledger goes away while chunks are being delivered.
    await dynamodb.stop();
    const refused = await post(['during-outage@example.com']);
    const events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'hr.events',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId: 'hire-during-outage@example.com' }),
          },
        ],
      }),
    );
    events.destroy();
    // Invites are not held back: every accessor goes out while the ledger is down.
    await simulator.waitForDeliveredAccessors(ids.length + 1, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });
    dynamodb = await startDynamoDb({ port, path: ledgerState.path });
    let settled = await status(requestId);
    const deadline = Date.now() + 60_000;
    while (settled.status === 'Running' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      settled = await status(requestId);
    }

    // Assess
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.equal(
      simulator.deliveries.count(SPACE, 'during-outage@example.com'),
      0,
      'nothing of the refused request was queued',
    );
    assert.equal(
      simulator.deliveries.count(SPACE, 'hire-during-outage@example.com'),
      1,
      'the HR event went out',
    );
    assert.deepEqual(settled, {
      ...settled,
      status: 'Succeeded',
      accessors: { total: 40_000, invited: 40_000, skipped: 0, pending: 0, failed: 0 },
    });
    for (const id of ids)
      assert.ok(simulator.deliveries.count(SPACE, id) >= 1, `${id} was invited`);
    // A chunk delivered while its outcome could not be written went back marked delivered:
    // nobody was invited twice.
    assert.deepEqual(simulator.deliveries.duplicates(), []);
  });
});

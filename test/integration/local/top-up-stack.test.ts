import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { DELIVERY_WAIT_MS, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';

describe('local stack: a burst of onboarding events with batches of 5', () => {
  const state = tempStateDir();
  let stack: LocalStack;

  before(async () => {
    // Batches close at 5 messages: without the top-up, 60 events cost at least 12 calls. A
    // window of 3 s, not serverless.yml's 1 s, so that a machine busy with other tests still
    // accepts the burst within one window.
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      LOCAL_THROTTLE_RATE: '50',
      LOCAL_THROTTLE_BURST: '10',
      LOCAL_WORKER_BATCH_SIZE: '5',
      TOP_UP_WINDOW_MS: '3000',
    });
  });
  after(async () => {
    await stack.stop();
    state.cleanup();
  });

  it('shares calls between both workers through the top-up and call groups, and invites everyone once', async () => {
    const simulator = stack.simulator;
    assert.ok(simulator);
    const events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    const hires = Array.from({ length: 60 }, (_, index) => `burst-${index}@example.com`);

    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, put) =>
        events.send(
          new PutEventsCommand({
            Entries: hires.slice(put * 10, put * 10 + 10).map((accessorId) => ({
              Source: 'hr.events',
              DetailType: 'Employee Onboarded',
              Detail: JSON.stringify({ accessorId }),
            })),
          }),
        ),
      ),
    );
    const stats = await simulator.waitForDeliveredAccessors(hires.length, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });
    events.destroy();

    assert.ok(answers.every((answer) => !answer.FailedEntryCount));
    assert.equal(stats.duplicateAccessors, 0);
    for (const id of hires)
      assert.equal(simulator.deliveries.count(LOCAL_DEMO_SPACE_ID, id), 1, id);
    // Batches of 5 alone make at least 12 calls, and each of the two workers topping up alone at
    // least 2. Pooled, one call takes them all on an idle machine; on a busy one the intake
    // accepts the events over more than the window, and another call or two go out.
    assert.ok(stats.calls <= 3, `${stats.calls} calls for 60 one-person events`);
    assert.equal((await stack.summary()).queued, 0);
  });
});

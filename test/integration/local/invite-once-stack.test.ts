import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { stackActivity, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';
import { callStack, postInvite, settledStatus } from '../../helpers/stack-api.ts';

const SPACE = LOCAL_DEMO_SPACE_ID;

describe('inviting each person once, on the local stack', { timeout: 60_000 }, () => {
  const state = tempStateDir();
  let stack: LocalStack;
  let events: EventBridgeClient;

  before(async () => {
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      LOCAL_THROTTLE_RATE: '100',
      LOCAL_THROTTLE_BURST: '20',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
  });
  after(async () => {
    events.destroy();
    await stack.stop();
    state.cleanup();
  });

  const count = (id: string) => stack.simulator?.deliveries.count(SPACE, id) ?? 0;

  async function onboard(accessorId: string): Promise<string> {
    const { Entries = [] } = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'hr.events',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId }),
          },
        ],
      }),
    );
    return String(Entries[0]?.EventId);
  }

  it('invites a hire onboarded twice once: the second event counts them as skipped', async () => {
    // Act
    const first = await settledStatus(stack, await onboard('twice-hired@example.com'));
    const second = await settledStatus(stack, await onboard('twice-hired@example.com'));

    // Assess
    assert.equal(count('twice-hired@example.com'), 1);
    assert.partialDeepStrictEqual(first.body, {
      status: 'Succeeded',
      accessors: { total: 1, invited: 1, skipped: 0 },
    });
    assert.partialDeepStrictEqual(second.body, {
      status: 'Succeeded',
      accessors: { total: 1, invited: 0, skipped: 1 },
    });
  });

  it("skips the people of last week's list in this week's, lists them as skipped, and sends to the rest", async () => {
    // Prepare
    const lastWeek = Array.from({ length: 1_500 }, (_, index) => `weekly-${index}@example.com`);
    const thisWeek = [...lastWeek, 'weekly-new-1@example.com', 'weekly-new-2@example.com'];
    await settledStatus(stack, String((await postInvite(stack, SPACE, lastWeek)).body.requestId));
    const skippedBefore = (await stack.summary()).skipped;

    // Act
    const accepted = await postInvite(stack, SPACE, thisWeek);
    const requestId = String(accepted.body.requestId);
    const status = await settledStatus(stack, requestId);
    const skipped = await callStack(
      stack,
      `/requests/${requestId}/accessors?status=skipped&limit=1000`,
    );
    const rest = await callStack(
      stack,
      `/requests/${requestId}/accessors?status=skipped&limit=1000&nextToken=${String(skipped.body.nextToken)}`,
    );

    // Assess
    assert.partialDeepStrictEqual(status.body, {
      status: 'Succeeded',
      accessors: { total: 1_502, invited: 2, skipped: 1_500, pending: 0, failed: 0 },
    });
    const listed = [
      ...(skipped.body.items as { accessorId: string }[]),
      ...(rest.body.items as { accessorId: string }[]),
    ];
    assert.deepEqual(listed.map((item) => item.accessorId).sort(), [...lastWeek].sort());
    assert.ok(lastWeek.every((id) => count(id) === 1));
    assert.equal(count('weekly-new-1@example.com'), 1);
    assert.equal((await stack.summary()).skipped - skippedBefore, 1_500, 'npm start counts them');
  });

  it('sends to everyone again with resend', async () => {
    // Prepare
    const ids = ['resend-a@example.com', 'resend-b@example.com'];
    await settledStatus(stack, String((await postInvite(stack, SPACE, ids)).body.requestId));

    // Act
    const accepted = await postInvite(stack, SPACE, ids, { extra: { resend: true } });
    const status = await settledStatus(stack, String(accepted.body.requestId));

    // Assess
    assert.partialDeepStrictEqual(status.body, { accessors: { invited: 2, skipped: 0 } });
    assert.deepEqual(ids.map(count), [2, 2]);
  });

  it('answers a dry run with who was invited already, and sends nothing', async () => {
    // Prepare
    const ids = ['dry-known@example.com', 'dry-new-1@example.com', 'dry-new-2@example.com'];
    await settledStatus(
      stack,
      String((await postInvite(stack, SPACE, ids.slice(0, 1))).body.requestId),
    );
    const calls = stack.simulator?.stats().calls;
    // The earlier requests' messages are deleted just after their status settles: nothing signals
    // it, so the queue is polled until it is empty.
    let before = await stackActivity(stack);
    for (const deadline = Date.now() + 10_000; before.queued + before.inFlight > 0; ) {
      assert.ok(Date.now() < deadline, 'the queue empties');
      await new Promise((resolve) => setTimeout(resolve, 50));
      before = await stackActivity(stack);
    }

    // Act
    const answer = await postInvite(stack, SPACE, ids, { extra: { dryRun: true } });
    // A request is queued before it is answered: what a dry run queued would be there now.
    const after = await stackActivity(stack);

    // Assess
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body, {
      dryRun: true,
      accessorCount: 3,
      alreadyInvited: 1,
      wouldInvite: 2,
      messageCount: 1,
    });
    assert.deepEqual(after, before, 'nothing accepted or queued');
    assert.equal(stack.simulator?.stats().calls, calls, 'nothing reached the simulator');
    assert.equal(count('dry-new-1@example.com'), 0);
  });
});

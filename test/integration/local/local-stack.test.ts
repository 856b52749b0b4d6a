import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_CREDENTIALS, LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import { startRepostspaceSimulator } from '../../../infra/local/repostspace-simulator/index.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { RepostspaceClient } from '../../../shared/adapters/repostspace/index.ts';
import { DELIVERY_WAIT_MS, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { rejectionOf } from '../../helpers/rejection-of.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';

const SPACE = LOCAL_DEMO_SPACE_ID;

async function postInvite(stack: LocalStack, accessorIds: string[], spaceId = SPACE) {
  const response = await fetch(`${stack.httpUrl}/spaces/${spaceId}/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessorIds, title: 'Welcome', body: 'Join our space' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('local stack end to end', () => {
  const state = tempStateDir();
  let stack: LocalStack;

  // A folder the stack creates itself.
  const stateDir = join(state.path, 'state');

  before(async () => {
    stack = await startTestStack({
      LOCAL_STATE_DIR: stateDir,
      LOCAL_THROTTLE_RATE: '50',
      LOCAL_THROTTLE_BURST: '10',
    });
  });
  after(async () => {
    await stack.stop();
    state.cleanup();
  });

  it('answers /health with the endpoints and queue URLs', async () => {
    const health = (await (await fetch(`${stack.httpUrl}/health`)).json()) as {
      sqsEndpoint: string;
      repostspaceEndpoint: string;
      queues: { invites: { url: string }; deadLetter: { url: string } };
    };

    assert.equal(health.sqsEndpoint, stack.sqsEndpoint);
    assert.equal(health.queues.invites.url, stack.queues.invites.url);
    assert.equal(health.queues.deadLetter.url, stack.queues.deadLetter.url);
    assert.equal(health.repostspaceEndpoint, stack.repostspaceEndpoint);
  });

  it('delivers an HTTP invite of 2,500 IDs and PutEvents entries to the simulator exactly once', async () => {
    const simulator = stack.simulator;
    assert.ok(simulator);
    const ids = Array.from({ length: 2_500 }, (_, index) => `person-${index}@example.com`);
    const events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });

    const http = await postInvite(stack, ids);
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'hr.events',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId: 'new-hire@example.com' }),
          },
          {
            Source: 'hr.events',
            DetailType: 'Invite Requested',
            Detail: JSON.stringify({
              spaceId: SPACE,
              accessorIds: ['team-a@example.com', 'team-b@example.com'],
              title: 'Hi',
              body: 'Team space',
            }),
          },
          {
            Source: 'someone.else',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId: 'ignored' }),
          },
          { Source: 'hr.events', DetailType: 'Employee Onboarded', Detail: 'not json' },
        ],
      }),
    );
    const stats = await simulator.waitForDeliveredAccessors(2_503, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });
    events.destroy();

    assert.equal(http.status, 202);
    assert.deepEqual(
      { accessorCount: http.body.accessorCount, messageCount: http.body.messageCount },
      { accessorCount: 2_500, messageCount: 3 },
    );
    assert.equal(put.FailedEntryCount, 1);
    assert.equal(put.Entries?.[3]?.ErrorCode, 'MalformedDetail');
    assert.ok(put.Entries?.[0]?.EventId);
    assert.equal(stats.deliveredAccessors, 2_503);
    assert.equal(stats.duplicateAccessors, 0);
    for (const id of [...ids, 'new-hire@example.com', 'team-a@example.com', 'team-b@example.com']) {
      assert.equal(simulator.deliveries.count(SPACE, id), 1, id);
    }
    assert.equal(simulator.deliveries.count(SPACE, 'ignored'), 0);
    const summary = await stack.summary();
    assert.equal(summary.invited, 2_503);
    assert.equal(summary.acceptedRequests, 3);
    assert.equal(summary.acceptedAccessors, 2_503, 'the events’ accessors counted too');
  });

  it('creates its state folder readable by its owner only (0700)', () => {
    for (const folder of [stateDir, join(stateDir, 'sqs')]) {
      assert.equal((statSync(folder).mode & 0o777).toString(8), '700', folder);
    }
  });

  it('has its simulator verify signatures against the credentials the worker signs with', async () => {
    const simulator = stack.simulator;
    assert.ok(simulator);
    const clientWith = (secretAccessKey: string) =>
      new RepostspaceClient({
        region: 'us-east-1',
        endpoint: simulator.url,
        credentials: { ...LOCAL_CREDENTIALS, secretAccessKey },
      });
    const wrong = clientWith('not-the-local-secret');
    const right = clientWith(LOCAL_CREDENTIALS.secretAccessKey);
    const input = { spaceId: SPACE, accessorIds: ['signed@example.com'], title: 'T', body: 'B' };

    const refused = (await rejectionOf(wrong.sendInvites(input))) as Error;
    const accepted = await right.sendInvites(input);
    wrong.destroy();
    right.destroy();

    assert.equal(refused.name, 'InvalidSignatureException');
    assert.ok(accepted.requestId);
  });

  it('answers 400 and 413 without queueing anything', async () => {
    const before = (await stack.summary()).acceptedRequests;
    const oversized = await fetch(`${stack.httpUrl}/spaces/${SPACE}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(10 * 1024 * 1024 + 1),
    });
    const invalid = await postInvite(stack, [''], 'bad%2Fspace');
    const notUtf8 = await fetch(`${stack.httpUrl}/spaces/${SPACE}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat([
        Buffer.from('{"accessorIds":["caf'),
        Buffer.from([0xe9]),
        Buffer.from('"],"title":"t","body":"b"}'),
      ]),
    });

    assert.equal(oversized.status, 413);
    assert.equal(notUtf8.status, 400, 'the byte is not turned into U+FFFD and invited');
    assert.equal(invalid.status, 400);
    assert.deepEqual(
      (invalid.body.fieldList as { name: string }[]).map((field) => field.name),
      ['spaceId', 'accessorIds[0]'],
    );
    assert.equal((await stack.summary()).acceptedRequests, before);
  });
});

describe('local stack restart', () => {
  it('stopped mid-flight and started again with the same state, delivers everything exactly once', async () => {
    const state = tempStateDir();
    // One simulator spans both runs, as the real service would.
    const simulator = await startRepostspaceSimulator({
      throttle: { ratePerSecond: 4, burst: 1, retryAfterSeconds: 1 },
    });
    // One chunk an invocation: the stop lets the invocations in flight finish (two at most), so
    // most of the eight chunks are still queued when it comes.
    const env = {
      LOCAL_STATE_DIR: state.path,
      AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
      LOCAL_WORKER_BATCH_SIZE: '1',
    };
    const ids = Array.from({ length: 8_000 }, (_, index) => `staff-${index}`);
    const running: { stop(): Promise<void> }[] = [];
    const signal = AbortSignal.timeout(DELIVERY_WAIT_MS);
    try {
      const first = await startTestStack(env);
      running.push(first);
      const accepted = await postInvite(first, ids);
      await simulator.waitForDeliveredAccessors(1_000, { signal });
      await running.pop()?.stop();
      const deliveredBeforeRestart = simulator.stats().deliveredAccessors;

      const second = await startTestStack(env);
      running.push(second);
      const stats = await simulator.waitForDeliveredAccessors(ids.length, { signal });
      await running.pop()?.stop();

      assert.equal(accepted.status, 202);
      assert.ok(
        deliveredBeforeRestart <= 3_000,
        `the stop happened mid-flight (${deliveredBeforeRestart})`,
      );
      assert.equal(stats.deliveredAccessors, ids.length);
      assert.equal(stats.duplicateAccessors, 0);
    } finally {
      // A stack a failed assertion or wait left running is stopped too.
      for (const stack of running) await stack.stop();
      await simulator.stop();
      state.cleanup();
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { DELIVERY_WAIT_MS, startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';
import { callStack, postInvite, settledStatus } from '../../helpers/stack-api.ts';

const SPACE = LOCAL_DEMO_SPACE_ID;
// Well-formed, allowed by the intake, but unknown to the simulator: every call answers 404.
const UNKNOWN_SPACE = 'SPUNKNOWN000000000000000';

describe('the request ledger on the local stack', { timeout: 60_000 }, () => {
  const state = tempStateDir();
  let stack: LocalStack;

  before(async () => {
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      LOCAL_THROTTLE_RATE: '100',
      LOCAL_THROTTLE_BURST: '20',
      LOCAL_KNOWN_SPACE_IDS: SPACE,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
  });
  after(async () => {
    await stack.stop();
    state.cleanup();
  });

  const call = (path: string, init: RequestInit = {}) => callStack(stack, path, init);
  const invite = (spaceId: string, accessorIds: string[], headers: Record<string, string> = {}) =>
    postInvite(stack, spaceId, accessorIds, { headers });
  const settled = (requestId: string) => settledStatus(stack, requestId);

  it('answers 202 with Location and statusUrl, and replays the answer for a repeated Idempotency-Key', async () => {
    // Prepare
    const ids = Array.from({ length: 2_500 }, (_, index) => `idem-${index}@example.com`);

    // Act
    const first = await invite(SPACE, ids, { 'idempotency-key': 'import-2026-12-01' });
    const repeat = await invite(SPACE, ids, { 'idempotency-key': 'import-2026-12-01' });
    const other = await invite(SPACE, ids.slice(1), { 'idempotency-key': 'import-2026-12-01' });
    await stack.simulator?.waitForDeliveredAccessors(2_500, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });
    const status = await settled(String(first.body.requestId));

    // Assess
    assert.equal(first.status, 202);
    const requestId = String(first.body.requestId);
    assert.equal(first.headers.get('location'), `/requests/${requestId}`);
    assert.equal(
      first.body.statusUrl,
      `http://${new URL(stack.httpUrl).host}/requests/${requestId}`,
    );
    assert.equal(repeat.status, 202);
    assert.deepEqual(repeat.body, first.body);
    assert.equal(repeat.headers.get('idempotent-replayed'), 'true');
    assert.equal(other.status, 422);
    assert.equal(stack.simulator?.deliveries.duplicates().length, 0);
    assert.equal(status.status, 200);
    assert.equal(status.headers.get('retry-after'), null);
    assert.partialDeepStrictEqual(status.body, {
      requestId,
      spaceId: SPACE,
      source: 'http',
      requestedBy: 'anonymous',
      status: 'Succeeded',
      accessors: { total: 2_500, invited: 2_500, skipped: 0, pending: 0, failed: 0 },
      failures: [],
    });
  });

  it('reports a request whose space the service refuses as Failed, and lists every accessor with the reason, paged', async () => {
    // Prepare
    const ids = Array.from({ length: 1_200 }, (_, index) => `lost-${index}@example.com`);

    // Act
    const accepted = await invite(UNKNOWN_SPACE, ids);
    const requestId = String(accepted.body.requestId);
    const status = await settled(requestId);
    const listed: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({
        status: 'failed',
        limit: '500',
        ...(nextToken ? { nextToken } : {}),
      });
      const page = await call(`/requests/${requestId}/accessors?${query}`);
      assert.equal(page.status, 200);
      const items = page.body.items as { accessorId: string; errorType: string }[];
      assert.ok(items.every((item) => item.errorType === 'ResourceNotFoundException'));
      listed.push(...items.map((item) => item.accessorId));
      nextToken = page.body.nextToken as string | undefined;
      pages++;
    } while (nextToken && pages < 10);

    // Assess
    assert.partialDeepStrictEqual(status.body, {
      status: 'Failed',
      accessors: { total: 1_200, invited: 0, skipped: 0, pending: 0, failed: 1_200 },
    });
    const failures = status.body.failures as { errorType: string; accessorCount: number }[];
    assert.deepEqual(
      failures.map(({ errorType, accessorCount }) => [errorType, accessorCount]),
      [['ResourceNotFoundException', 1_200]],
    );
    assert.equal(pages, 3);
    assert.deepEqual(listed.sort(), [...ids].sort());
  });

  it('answers 404 ResourceNotFoundException for an unknown request, and 400 for a bad status filter', async () => {
    // Act
    const unknown = await call('/requests/never-seen');
    const badFilter = await call('/requests/never-seen/accessors?status=invited');

    // Assess
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.equal(badFilter.status, 400);
  });

  it('answers the status of an HR event under its event ID, naming its source and account', async () => {
    // Prepare
    const events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });

    const delivered = stack.simulator?.stats().deliveredAccessors ?? 0;

    // Act
    const { Entries = [] } = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'hr.events',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId: 'new-hire@example.com' }),
          },
        ],
      }),
    );
    events.destroy();
    const eventId = String(Entries[0]?.EventId);
    await stack.simulator?.waitForDeliveredAccessors(delivered + 1, {
      signal: AbortSignal.timeout(DELIVERY_WAIT_MS),
    });
    const status = await settled(eventId);

    // Assess
    assert.partialDeepStrictEqual(status.body, {
      requestId: eventId,
      source: 'event',
      requestedBy: 'hr.events (account 000000000000)',
      status: 'Succeeded',
      accessors: { total: 1, invited: 1, skipped: 0, pending: 0, failed: 0 },
    });
  });
});

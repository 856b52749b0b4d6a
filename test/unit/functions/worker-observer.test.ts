import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import { createDeliveryObserver } from '../../../functions/worker/observer.ts';
import type { PlannedCall } from '../../../shared/domain/delivery.ts';
import { receivedMessage, testChunk } from '../../helpers/chunks.ts';
import { captureOutput } from '../../helpers/logs.ts';

/** A call carrying `parts` of one request, or of one request each with `otherRequests`. */
function call(parts: number[], otherRequests = false): PlannedCall {
  const chunks = parts.map((part) => {
    const chunk = testChunk(part, {
      accessorIds: [`a-${part}`],
      ...(otherRequests ? { requestId: `req-${part}` } : {}),
    });
    return { message: receivedMessage(chunk), chunk };
  });
  const [first] = chunks;
  return {
    spaceId: first?.chunk.spaceId ?? '',
    title: 'T',
    body: 'B',
    accessorIds: chunks.flatMap(({ chunk }) => chunk.accessorIds),
    chunks,
  };
}

/** The JSON lines the observer logs while `action` runs. */
async function logged(action: (observer: ReturnType<typeof createDeliveryObserver>) => void) {
  const logger = new Logger({ serviceName: 'test', logLevel: 'INFO' });
  const { output } = await captureOutput(async () => action(createDeliveryObserver(logger)));
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe("the worker's call log lines", () => {
  it('carry the space, the request at the top level, the latency, and the service’s request ID', async () => {
    const lines = await logged((observer) => {
      observer.called?.(call([1, 2]), { kind: 'delivered' }, undefined, 120, 'svc-1');
      observer.called?.(call([3]), { kind: 'throttled', delaySeconds: 2 }, undefined, 80);
      observer.called?.(
        call([4]),
        {
          kind: 'retry',
          delaySeconds: 4,
          errorType: 'InternalServerException',
          errorMessage: 'Internal server error',
        },
        new Error('InternalServerException'),
        95,
      );
    });

    assert.deepEqual(
      lines.map(({ message, requestId, spaceId, latencyMs }) => ({
        message,
        requestId,
        spaceId,
        latencyMs,
      })),
      ['Invites sent', 'SendInvites throttled', 'SendInvites failed'].map((message, index) => ({
        message,
        requestId: 'req-1',
        spaceId: testChunk(1).spaceId,
        latencyMs: [120, 80, 95][index],
      })),
    );
    assert.equal(lines[0]?.serviceRequestId, 'svc-1');
  });

  it('leave the request to each chunk when a call merges several requests', async () => {
    const [line] = await logged((observer) =>
      observer.called?.(call([1, 2], true), { kind: 'delivered' }, undefined, 50, 'svc-2'),
    );

    assert.equal(line?.requestId, undefined);
    assert.deepEqual(
      ((line?.chunks ?? []) as { requestId: string }[]).map((chunk) => chunk.requestId),
      ['req-1', 'req-2'],
    );
  });
});

describe("the worker's call group log lines", () => {
  it('name the group and each chunk handed over or in, and warn when a join got no answer', async () => {
    const messages = [1, 2].map((part) => receivedMessage(testChunk(part, { requestId: 'req-g' })));
    const lines = await logged((observer) => {
      observer.handedOff?.(messages, 2, { group: 'leader-1' });
      observer.handedOff?.(messages, 2, { group: undefined, error: new Error('socket hang up') });
      observer.handedIn?.(messages, 'leader-1');
    });

    assert.deepEqual(
      lines.map(({ level, group, chunks }) => ({
        level,
        group,
        requests: (chunks as { requestId: string; part: number }[]).map(
          ({ requestId, part }) => `${requestId}/${part}`,
        ),
      })),
      [
        { level: 'INFO', group: 'leader-1', requests: ['req-g/1', 'req-g/2'] },
        { level: 'WARN', group: undefined, requests: ['req-g/1', 'req-g/2'] },
        { level: 'INFO', group: 'leader-1', requests: ['req-g/1', 'req-g/2'] },
      ],
    );
    assert.match(String(lines[1]?.message), /did not answer/);
  });
});

import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { PlannedCall, ReceivedMessage } from '../../shared/domain/delivery.ts';
import type { InviteChunk } from '../../shared/domain/invite.ts';
import { decodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import type { DeliveryObserver } from '../../shared/domain/ports.ts';

export const METRIC_NAMES = {
  accessorsInvited: 'AccessorsInvited',
  calls: 'SendInvitesCalls',
  throttled: 'SendInvitesThrottled',
  failedCalls: 'SendInvitesFailed',
  latency: 'SendInvitesLatency',
  deadLettered: 'ChunksDeadLettered',
  alreadyDelivered: 'ChunksAlreadyDelivered',
  accessorsSkipped: 'AccessorsSkipped',
  requeued: 'ChunksRequeuedDelivered',
  ledgerErrors: 'LedgerErrors',
} as const;

/** Per-message log keys; never the title or body. */
function keys(message: ReceivedMessage, chunk?: InviteChunk) {
  return {
    messageId: message.messageId,
    receiveCount: message.receiveCount,
    ...(chunk ? { requestId: chunk.requestId, part: chunk.part, parts: chunk.parts } : {}),
  };
}

/** Each message's log keys, with those of the chunk it holds when it decodes. */
function chunkKeys(messages: readonly ReceivedMessage[]) {
  return messages.map((message) => {
    try {
      return keys(message, decodeInviteChunk(message.body));
    } catch {
      return keys(message);
    }
  });
}

/**
 * The messages a call carried, as log keys: its space, and its request at the top level when the
 * call holds one request's chunks (most do), so a query on `requestId` finds the call's lines.
 */
function callKeys(call: PlannedCall) {
  const requestIds = new Set(call.chunks.map(({ chunk }) => chunk.requestId));
  return {
    spaceId: call.spaceId,
    ...(requestIds.size === 1 ? { requestId: call.chunks[0]?.chunk.requestId } : {}),
    accessorCount: call.accessorIds.length,
    chunks: call.chunks.map(({ message, chunk }) => keys(message, chunk)),
  };
}

/** Logs and counts what happens to each call and message; without `metrics`, only logs. */
export function createDeliveryObserver(logger: Logger, metrics?: Metrics): DeliveryObserver {
  return {
    called(call, outcome, error, latencyMs, serviceRequestId) {
      metrics?.addMetric(METRIC_NAMES.calls, MetricUnit.Count, 1);
      metrics?.addMetric(METRIC_NAMES.latency, MetricUnit.Milliseconds, latencyMs);
      switch (outcome.kind) {
        case 'delivered':
          metrics?.addMetric(
            METRIC_NAMES.accessorsInvited,
            MetricUnit.Count,
            call.accessorIds.length,
          );
          logger.info('Invites sent', { ...callKeys(call), latencyMs, serviceRequestId });
          logger.debug('Accessors invited', { ...callKeys(call), accessorIds: call.accessorIds });
          return;
        case 'throttled':
          // Throttling is the service pacing us, not a fault: no stack, not a warning.
          metrics?.addMetric(METRIC_NAMES.throttled, MetricUnit.Count, 1);
          logger.info('SendInvites throttled', {
            ...callKeys(call),
            latencyMs,
            delaySeconds: outcome.delaySeconds,
          });
          return;
        default:
          metrics?.addMetric(METRIC_NAMES.failedCalls, MetricUnit.Count, 1);
          logger.warn('SendInvites failed', { ...callKeys(call), latencyMs, outcome, error });
      }
    },
    parked(message, reason, chunk) {
      metrics?.addMetric(METRIC_NAMES.deadLettered, MetricUnit.Count, 1);
      logger.error('Message parked in the DLQ', { ...keys(message, chunk), ...reason });
    },
    delayed(message, seconds, cause, chunk) {
      logger.info('Message handed back', { ...keys(message, chunk), delaySeconds: seconds, cause });
    },
    alreadyDelivered(message, chunk) {
      metrics?.addMetric(METRIC_NAMES.alreadyDelivered, MetricUnit.Count, 1);
      logger.info('Chunk already delivered; no call', keys(message, chunk));
    },
    copyInBatch(message, chunk) {
      logger.info(
        'Second copy of a part in the batch; deleted without a call',
        keys(message, chunk),
      );
    },
    skipped(call, accessorCount) {
      metrics?.addMetric(METRIC_NAMES.accessorsSkipped, MetricUnit.Count, accessorCount);
      logger.info('Accessors left out: invited to the space recently', {
        ...callKeys(call),
        skipped: accessorCount,
      });
    },
    requeued(message, chunk) {
      metrics?.addMetric(METRIC_NAMES.requeued, MetricUnit.Count, 1);
      logger.warn(
        'Delivered chunk re-queued to be recorded once the ledger is back',
        keys(message, chunk),
      );
    },
    ledgerFailed(action, error) {
      metrics?.addMetric(METRIC_NAMES.ledgerErrors, MetricUnit.Count, 1);
      logger.error('The request ledger could not be used; delivery goes on', { action, error });
    },
    handedOff(messages, accessors, joined) {
      const line = {
        group: joined.group,
        accessorCount: accessors,
        chunks: chunkKeys(messages),
      };
      if (joined.error === undefined) {
        logger.info(
          'Batch handed to the call another worker is gathering; it settles the messages',
          line,
        );
      } else {
        // The join's answer was lost: if it did not land, the messages come back after their
        // visibility timeout; sending them here could send them twice.
        logger.warn(
          'Batch handed to a call group that did not answer; if it did not take it, the messages come back after their visibility timeout',
          { ...line, error: joined.error },
        );
      }
    },
    handedIn(messages, group) {
      logger.info('Messages handed in by other workers, to go in this call', {
        group,
        chunks: chunkKeys(messages),
      });
    },
    topUpFailed(error) {
      logger.warn('Could not top the batch up from the queue; it goes as it is', { error });
    },
    actionFailed(message, action, error) {
      logger.error(`Could not ${action} the message; it stays on the queue`, {
        ...keys(message),
        error,
      });
    },
  };
}

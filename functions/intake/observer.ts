import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { IdempotencyKeyInUseError } from '../../shared/domain/errors.ts';
import type { IntakeObserver, PipelineErrorLike } from '../../shared/domain/ports.ts';

export const INTAKE_METRIC_NAMES = {
  requestsAccepted: 'RequestsAccepted',
  accessorsAccepted: 'AccessorsAccepted',
  chunksQueued: 'ChunksQueued',
  requestsRejected: 'RequestsRejected',
  hrEventsParked: 'HrEventsParked',
  requestsReplayed: 'RequestsReplayed',
  dryRuns: 'DryRuns',
  ledgerErrors: 'LedgerErrors',
} as const;

/** Whether DEBUG entries are written: the accessor list is read only then. */
function isDebugLogged(logger: Logger): boolean {
  const level = logger.getLevelName();
  return level === 'DEBUG' || level === 'TRACE';
}

/** What a rejection is counted by: the validation reason, else the error type. */
function rejectionReason(error: PipelineErrorLike): string {
  return error.reason ?? error.errorType;
}

/**
 * Logs and counts what the intake does with each request. Never logs title or body; accessor
 * IDs only at DEBUG. Without `metrics` (the local stack), only logs.
 */
export function createIntakeObserver(logger: Logger, metrics?: Metrics): IntakeObserver {
  function count(name: string, value = 1) {
    metrics?.addMetric(name, MetricUnit.Count, value);
  }
  return {
    accepted(report) {
      const { requestId, requestedBy, spaceId, accessorCount, messageCount, detailType } = report;
      const keys = { requestId, requestedBy, spaceId, accessorCount, messageCount };
      const event = report.source === 'event';
      if (report.replayed) {
        count(INTAKE_METRIC_NAMES.requestsReplayed);
        logger.info(
          event ? 'HR event already accepted; nothing queued again' : 'Invite request replayed',
          {
            ...keys,
            ...(event ? { detailType } : {}),
          },
        );
        return;
      }
      count(INTAKE_METRIC_NAMES.requestsAccepted);
      count(INTAKE_METRIC_NAMES.accessorsAccepted, accessorCount);
      count(INTAKE_METRIC_NAMES.chunksQueued, messageCount);
      if (event) logger.info('HR event accepted', { detailType, ...keys });
      else logger.info('Invite request accepted', keys);
      if (isDebugLogged(logger)) {
        logger.debug('Accessors accepted', { accessorIds: report.accessorIds });
      }
    },
    rejected(source, error, detailType) {
      const reason = rejectionReason(error);
      if (metrics) {
        const single = metrics.singleMetric();
        single.addDimension('Reason', reason);
        single.addMetric(INTAKE_METRIC_NAMES.requestsRejected, MetricUnit.Count, 1);
      }
      if (source === 'event') {
        logger.warn('HR event rejected; parking it in the DLQ', {
          detailType,
          reason,
          errorMessage: error.message,
          fieldList: error.fieldList ?? [],
        });
      } else if (error.spaceId !== undefined) {
        logger.warn('Invite request for a space outside the allowed list', {
          spaceId: error.spaceId,
        });
      } else {
        logger.info('Invite request rejected', { reason, fieldList: error.fieldList ?? [] });
      }
    },
    partlyQueued(source, { queuedParts, failedParts, cause, parked }) {
      const message =
        source === 'event'
          ? 'HR event only partly queued; the rest is parked in the DLQ'
          : 'Invite request only partly queued';
      logger.error(message, { queuedParts, failedParts, parked, error: cause });
    },
    parked(_reason, messageCount) {
      count(INTAKE_METRIC_NAMES.hrEventsParked, messageCount);
    },
    previewed(spaceId, accessorCount, requestedBy) {
      count(INTAKE_METRIC_NAMES.dryRuns);
      logger.info('Dry run answered; nothing queued', { spaceId, accessorCount, requestedBy });
    },
    ledgerFailed(source, action, error) {
      count(INTAKE_METRIC_NAMES.ledgerErrors);
      logger.error('The request ledger could not be written', { source, action, error });
    },
    failed(source, error) {
      if (source === 'event' && error instanceof IdempotencyKeyInUseError) {
        // A copy of the event that another invocation is accepting: expected, and retried.
        logger.warn('HR event is being accepted by another invocation; Lambda retries this copy', {
          error,
        });
        return;
      }
      const message =
        source === 'event' ? 'HR event failed unexpectedly' : 'Invite request failed unexpectedly';
      logger.error(message, { error });
    },
  };
}

import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
  EventBridgeEvent,
} from 'aws-lambda';
import type { IntakeConfig } from '../../shared/config/intake-config.ts';
import type { IdempotencyStore } from '../../shared/domain/idempotency-record.ts';
import type {
  DeadLetterQueue,
  IntakeObserver,
  InviteHistory,
  InviteQueue,
  RequestLedger,
} from '../../shared/domain/ports.ts';
import { errorResponse } from '../../shared/http/responses.ts';
import { alongside } from '../../shared/lib/alongside.ts';
import { handleHrEvent } from './hr-event.ts';
import { handleHttpInvite } from './http-invite.ts';
import { createIntakeObserver } from './observer.ts';

export type IntakeEvent = APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>;

export interface IntakePorts {
  queue: InviteQueue;
  deadLetters: DeadLetterQueue;
  ledger: IdempotencyStore & RequestLedger;
  /** Who was invited recently, for dry runs. */
  history?: InviteHistory;
}

/** How long a request holds its idempotency key: past the intake's 29 s timeout. */
export const IDEMPOTENCY_LOCK_MS = 35_000;

export interface IntakeDependencies {
  config: IntakeConfig;
  ports: IntakePorts;
  logger: Logger;
  /** EMF metrics, flushed after each invocation; none locally. */
  metrics?: Metrics;
  /** Defaults to logging with `logger` and counting with `metrics`. */
  observer?: IntakeObserver;
  /** Hears every event too, after `observer` (the local stack's tallies). */
  watch?: IntakeObserver;
}

function isHttpEvent(event: IntakeEvent): event is APIGatewayProxyEventV2 {
  return 'requestContext' in event && 'http' in (event.requestContext ?? {});
}

/** The intake Lambda: HTTP API invite requests and HR events become queued chunks. */
export function createIntakeHandler(dependencies: IntakeDependencies) {
  const { config, ports, logger, metrics } = dependencies;
  const logged = dependencies.observer ?? createIntakeObserver(logger, metrics);
  const observer = dependencies.watch ? alongside(logged, dependencies.watch) : logged;
  const acceptAll = {
    queue: ports.queue,
    ledger: ports.ledger,
    retention: {
      requestMs: config.ledger.requestRetentionMs,
      idempotencyMs: config.ledger.idempotencyTtlMs,
      lockMs: IDEMPOTENCY_LOCK_MS,
    },
    maxMessageBytes: config.maxChunkBytes,
    observer,
    onLedgerError: (action: string, error: unknown) =>
      observer.ledgerFailed?.('http', action, error),
    ...(config.allowedSpaceIds ? { allowedSpaceIds: config.allowedSpaceIds } : {}),
    ...(ports.history
      ? { preview: { history: ports.history, windowMs: config.ledger.reinviteAfterMs } }
      : {}),
  };
  const rules = {
    source: config.hrEventSource,
    ...(config.hrEventAccount ? { account: config.hrEventAccount } : {}),
    defaultInvite: config.defaultInvite,
    ...(config.defaultSpaceId ? { defaultSpaceId: config.defaultSpaceId } : {}),
  };

  async function intake(
    event: IntakeEvent,
    context: Context,
  ): Promise<APIGatewayProxyStructuredResultV2 | undefined> {
    const accept = { ...acceptAll, remainingMs: () => context.getRemainingTimeInMillis() };
    if (isHttpEvent(event)) {
      logger.setCorrelationId(event.requestContext.requestId);
      try {
        return await handleHttpInvite(event, accept);
      } catch (error) {
        observer.failed?.('http', error);
        return errorResponse(500, 'InternalServerException', { message: 'Internal error' });
      }
    }
    logger.setCorrelationId(event.id);
    try {
      await handleHrEvent(event, { ...accept, rules, deadLetters: ports.deadLetters });
    } catch (error) {
      observer.failed?.('event', error);
      throw error;
    }
    return undefined;
  }

  // The event carries title and body: never logged, whatever POWERTOOLS_LOGGER_LOG_EVENT says.
  const handler = middy(intake).use(
    injectLambdaContext(logger, { resetKeys: true, logEvent: false }),
  );
  return metrics ? handler.use(logMetrics(metrics)) : handler;
}

import type { Logger } from '@aws-lambda-powertools/logger';
import type { EventBridgeEvent } from 'aws-lambda';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../shared/domain/accept-invite-request.ts';
import {
  EnqueueError,
  InviteValidationError,
  SpaceNotAllowedError,
} from '../../shared/domain/errors.ts';
import { type HrEventRules, parseHrEvent } from '../../shared/domain/hr-event.ts';
import { toQueueJson } from '../../shared/domain/json-size.ts';
import type { DeadLetterQueue } from '../../shared/domain/ports.ts';

export interface HrEventDependencies extends AcceptDependencies {
  rules: HrEventRules;
  deadLetters: DeadLetterQueue;
  logger: Logger;
}

/**
 * Turns an HR event into queued chunks. An event that can never succeed is parked in the DLQ
 * with its reason; chunks that could not be queued are parked too, so a retry of the event
 * never duplicates the parts already queued. Throws only when parking fails, so Lambda's
 * asynchronous retries (then the rule's dead-letter target) take over.
 */
export async function handleHrEvent(
  event: EventBridgeEvent<string, unknown>,
  dependencies: HrEventDependencies,
): Promise<void> {
  const { logger, deadLetters } = dependencies;
  try {
    const request = parseHrEvent(event, dependencies.rules);
    const accepted = await acceptInviteRequest(request, event.id, dependencies);
    logger.info('HR event accepted', {
      detailType: event['detail-type'],
      spaceId: request.spaceId,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
    });
  } catch (error) {
    if (error instanceof InviteValidationError || error instanceof SpaceNotAllowedError) {
      const reason = error instanceof InviteValidationError ? error.reason : 'spaceNotAllowed';
      logger.warn('HR event rejected; parking it in the DLQ', {
        detailType: event['detail-type'],
        reason,
        errorMessage: error.message,
      });
      await deadLetters.park(parkedEvent(event), {
        errorType:
          error instanceof InviteValidationError ? 'ValidationException' : 'AccessDeniedException',
        errorMessage: describe(error),
      });
      return;
    }
    if (error instanceof EnqueueError) {
      logger.error('HR event only partly queued; parking the rest in the DLQ', {
        queuedParts: error.queuedParts,
        failedParts: error.failedParts,
        error: error.cause,
      });
      for (const message of error.failedMessages) {
        await deadLetters.park(message.body, {
          errorType: 'EnqueueFailed',
          errorMessage: `Part ${message.id} could not be queued: ${String(error.cause ?? 'unknown error')}`,
        });
      }
      return;
    }
    throw error;
  }
}

/**
 * The event as the DLQ keeps it: JSON that SQS accepts whatever the detail holds. A detail
 * nested too deeply to serialise (it can never be valid) is left out, with a note saying so.
 */
function parkedEvent(event: EventBridgeEvent<string, unknown>): string {
  try {
    return toQueueJson(event);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return toQueueJson({ ...event, detail: null, detailOmitted: 'nested too deeply to serialise' });
  }
}

function describe(error: Error): string {
  if (!(error instanceof InviteValidationError) || error.fieldList.length === 0) {
    return error.message;
  }
  return `${error.message}: ${error.fieldList.map((field) => `${field.name}: ${field.message}`).join('; ')}`;
}

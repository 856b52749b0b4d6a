import type { EventBridgeEvent } from 'aws-lambda';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../shared/domain/accept-invite-request.ts';
import { EnqueueError, PipelineError } from '../../shared/domain/errors.ts';
import { type HrEventRules, parseHrEvent } from '../../shared/domain/hr-event.ts';
import { toQueueJson } from '../../shared/domain/json-size.ts';
import { parkReasonFor } from '../../shared/domain/park-reason.ts';
import type { DeadLetterQueue, IntakeObserver } from '../../shared/domain/ports.ts';

export interface HrEventDependencies extends AcceptDependencies {
  rules: HrEventRules;
  deadLetters: DeadLetterQueue;
  observer: IntakeObserver;
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
  const { observer, deadLetters } = dependencies;
  const detailType = event['detail-type'];
  try {
    const request = parseHrEvent(event, dependencies.rules);
    const accepted = await acceptInviteRequest(request, event.id, dependencies);
    observer.accepted?.({
      source: 'event',
      detailType,
      spaceId: request.spaceId,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
      accessorIds: request.accessorIds,
    });
  } catch (error) {
    if (error instanceof EnqueueError) {
      const { queuedParts, failedParts, cause } = error;
      observer.partlyQueued?.('event', { queuedParts, failedParts, cause, parked: true });
      for (const message of error.failedMessages) {
        const reason = {
          errorType: error.errorType,
          errorMessage: `Part ${message.id} could not be queued: ${String(cause ?? 'unknown error')}`,
        };
        await deadLetters.park(message.body, reason);
        observer.parked?.(reason, 1);
      }
      return;
    }
    if (!(error instanceof PipelineError)) throw error;
    observer.rejected?.('event', error, detailType);
    const reason = parkReasonFor(error);
    await deadLetters.park(parkedEvent(event), reason);
    observer.parked?.(reason, 1);
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

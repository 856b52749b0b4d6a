import type { EventBridgeEvent } from 'aws-lambda';
import {
  type AcceptDependencies,
  acceptInviteRequest,
} from '../../shared/domain/accept-invite-request.ts';
import {
  EnqueueError,
  IdempotencyKeyInUseError,
  PipelineError,
} from '../../shared/domain/errors.ts';
import { type HrEventRules, parseHrEvent } from '../../shared/domain/hr-event.ts';
import { toQueueJson } from '../../shared/domain/json-size.ts';
import { parkReasonFor } from '../../shared/domain/park-reason.ts';
import type { DeadLetterQueue, IntakeObserver, ParkReason } from '../../shared/domain/ports.ts';
import { rejectedEventRecord } from '../../shared/domain/rejected-event.ts';

export interface HrEventDependencies extends AcceptDependencies {
  rules: HrEventRules;
  deadLetters: DeadLetterQueue;
  observer: IntakeObserver;
}

/** Who sent an HR event: its source and the account it came from. */
export function senderOf(event: EventBridgeEvent<string, unknown>): string {
  return `${event.source} (account ${event.account})`;
}

/**
 * Turns an HR event into queued chunks, once per event ID: EventBridge keeps an event's ID
 * across its retries, so a redelivered event queues nothing new. An event that can never
 * succeed is parked in the DLQ with its reason (and recorded as failed); chunks that could not
 * be queued are parked too. Throws when parking fails, or while the same event is still being
 * accepted, so Lambda's asynchronous retries take over.
 */
export async function handleHrEvent(
  event: EventBridgeEvent<string, unknown>,
  dependencies: HrEventDependencies,
): Promise<void> {
  const { observer, deadLetters } = dependencies;
  const detailType = event['detail-type'];
  const requestedBy = senderOf(event);
  const park = async (body: string, reason: ParkReason) => {
    await deadLetters.park(body, reason);
    observer.parked?.(reason, 1);
  };
  try {
    const request = parseHrEvent(event, dependencies.rules);
    const accepted = await acceptInviteRequest(
      request,
      {
        requestId: event.id,
        source: 'event',
        requestedBy,
        idempotency: { scope: 'event', key: event.id },
        parkUnqueued: (message, cause) =>
          park(message.body, {
            errorType: 'EnqueueFailed',
            errorMessage: `Part ${message.id} could not be queued: ${String(cause ?? 'unknown error')}`,
          }),
        ledgerOptional: true,
      },
      {
        ...dependencies,
        onLedgerError: (action, error) => observer.ledgerFailed?.('event', action, error),
      },
    );
    observer.accepted?.({
      source: 'event',
      requestId: accepted.requestId,
      requestedBy,
      replayed: accepted.replayed,
      detailType,
      spaceId: request.spaceId,
      accessorCount: accepted.accessorCount,
      messageCount: accepted.messageCount,
      accessorIds: request.accessorIds,
    });
  } catch (error) {
    if (error instanceof EnqueueError) {
      // Every refused chunk is parked already (acceptInviteRequest parks them before it settles).
      const { queuedParts, failedParts, cause } = error;
      observer.partlyQueued?.('event', { queuedParts, failedParts, cause, parked: true });
      return;
    }
    if (!(error instanceof PipelineError) || error instanceof IdempotencyKeyInUseError) throw error;
    observer.rejected?.('event', error, detailType);
    const reason = parkReasonFor(error);
    await park(parkedEvent(event, dependencies.maxMessageBytes), reason);
    const { ledger, retention } = dependencies;
    const { record, outcome } = rejectedEventRecord(
      event,
      reason,
      requestedBy,
      retention.requestMs,
    );
    // The failed part first: a request recorded without it (an event that names no accessor)
    // would read Succeeded; without the request, the status is a 404 and the DLQ says why.
    try {
      await ledger.recordOutcome(outcome, record.expiresAt);
      await ledger.recordRequest(record);
    } catch (ledgerError) {
      observer.ledgerFailed?.('event', 'recordRejected', ledgerError);
    }
  }
}

/**
 * The event as the DLQ keeps it: JSON that SQS accepts whatever the detail holds. A detail
 * nested too deeply to serialise, or too large for a message once escaped for SQS (it can
 * never be valid either way), is left out, with a note saying so; the ledger's record of the
 * event still lists the accessors it named.
 */
function parkedEvent(event: EventBridgeEvent<string, unknown>, maxBytes: number): string {
  const omitted = (why: string) => toQueueJson({ ...event, detail: null, detailOmitted: why });
  let text: string;
  try {
    text = toQueueJson(event);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return omitted('nested too deeply to serialise');
  }
  const bytes = Buffer.byteLength(text);
  return bytes <= maxBytes ? text : omitted(`${bytes} bytes, over the ${maxBytes} a message holds`);
}

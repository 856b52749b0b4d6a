import { randomUUID } from 'node:crypto';
import {
  constraintViolations,
  type DecodedEntry,
  decodeEntry,
  type EntryFailure,
  entryFailure,
  entrySize,
  eventTime,
  PutEventsRequestError,
} from './put-events-entry.ts';

/** One accepted entry of an EventBridge `PutEvents` request, ready to become an event. */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Resources?: string[];
  /** RFC 3339, when the entry gave a time. */
  Time?: string;
}

/** The subset of the event pattern language the intake's rule uses. */
export interface EventRule {
  eventBusName: string;
  source: string[];
  detailType: string[];
}

export const PUT_EVENTS_LIMITS = {
  maxEntries: 10,
  /** A request's entries together, counted as EventBridge counts them: 1 MB since January 2026. */
  maxEntriesBytes: 1024 * 1024,
  /** The most this endpoint reads of one body: the entries' limit, with room for JSON's keys and escapes. */
  maxRequestBytes: 2 * 1024 * 1024,
} as const;

type EntryResult = { EventId: string } | EntryFailure;

export interface PutEventsAnswer {
  statusCode: number;
  output: unknown;
  accepted: { entry: PutEventsEntry; eventId: string }[];
}

function busName(value: string | undefined): string {
  return value?.split('event-bus/').pop() || 'default';
}

/** Whether an accepted entry matches the rule: its bus, one of its sources and detail-types. */
export function matchesRule(entry: PutEventsEntry, rule: EventRule): boolean {
  return (
    busName(entry.EventBusName) === busName(rule.eventBusName) &&
    rule.source.includes(entry.Source) &&
    rule.detailType.includes(entry.DetailType)
  );
}

function validationError(message: string): PutEventsRequestError {
  return new PutEventsRequestError('ValidationException', message);
}

/** The request's entries, decoded and checked as a whole; throws `PutEventsRequestError`. */
function readEntries(body: string): DecodedEntry[] {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    throw new PutEventsRequestError('SerializationException', 'Request body is not valid JSON');
  }
  if (request !== null && (typeof request !== 'object' || Array.isArray(request))) {
    throw new PutEventsRequestError(
      'SerializationException',
      'Start of structure expected for PutEventsRequest',
    );
  }
  const raw = (request as { Entries?: unknown } | null)?.Entries;
  if (raw === undefined || raw === null) {
    throw validationError(
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(raw)) {
    throw new PutEventsRequestError(
      'SerializationException',
      `Expected a list of entries at 'Entries', found ${typeof raw === 'object' ? 'an object' : `a ${typeof raw}`}`,
    );
  }
  if (raw.length < 1 || raw.length > PUT_EVENTS_LIMITS.maxEntries) {
    throw validationError(
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${PUT_EVENTS_LIMITS.maxEntries}`,
    );
  }
  const entries = raw.map(decodeEntry);
  const violations = entries.flatMap(constraintViolations);
  if (violations.length > 0) {
    const count = `${violations.length} validation error${violations.length === 1 ? '' : 's'}`;
    throw validationError(`${count} detected: ${violations.join('; ')}`);
  }
  const size = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (size > PUT_EVENTS_LIMITS.maxEntriesBytes) {
    throw validationError('Total size of the entries in the request is over the limit.');
  }
  return entries;
}

function accept(entry: DecodedEntry): PutEventsEntry {
  const { Source = '', DetailType = '', Detail = '', EventBusName, Resources, Time } = entry;
  return {
    Source,
    DetailType,
    Detail,
    ...(EventBusName === undefined ? {} : { EventBusName }),
    ...(Resources === undefined ? {} : { Resources }),
    ...(Time === undefined ? {} : { Time: eventTime(Time) }),
  };
}

/**
 * Answers a `PutEvents` request body as EventBridge does: 400 `SerializationException` or
 * `ValidationException` for a request it refuses whole, otherwise 200 with `FailedEntryCount`
 * and one result per entry (an `EventId`, or an `ErrorCode` and `ErrorMessage`).
 */
export function putEventsResponse(body: string): PutEventsAnswer {
  let entries: DecodedEntry[];
  try {
    entries = readEntries(body);
  } catch (error) {
    if (!(error instanceof PutEventsRequestError)) throw error;
    return {
      statusCode: 400,
      output: { __type: error.type, message: error.message },
      accepted: [],
    };
  }
  const accepted: PutEventsAnswer['accepted'] = [];
  const results = entries.map((entry): EntryResult => {
    const failure = entryFailure(entry);
    if (failure) return failure;
    const eventId = randomUUID();
    accepted.push({ entry: accept(entry), eventId });
    return { EventId: eventId };
  });
  return {
    statusCode: 200,
    output: {
      FailedEntryCount: results.length - accepted.length,
      Entries: results,
    },
    accepted,
  };
}

import { randomUUID } from 'node:crypto';
import { parseJsonObject } from '../../shared/domain/json-object.ts';

/** One entry of an EventBridge `PutEvents` request, as the SDK and the CLI send it. */
export interface PutEventsEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  EventBusName?: string;
  Resources?: string[];
  Time?: string;
}

/** The subset of the event pattern language the intake's rule uses. */
export interface EventRule {
  eventBusName: string;
  source: string[];
  detailType: string[];
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

const MAX_ENTRIES = 10;
// EventBridge's limit on one entry.
const MAX_ENTRY_BYTES = 256 * 1024;

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

function checkEntry(raw: unknown): { entry?: PutEventsEntry; result: EntryResult } {
  const entry = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const missing = ['Source', 'DetailType', 'Detail'].filter(
    (name) => typeof entry[name] !== 'string' || entry[name] === '',
  );
  if (missing.length > 0) {
    return {
      result: {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter(s) ${missing.join(', ')} must be specified.`,
      },
    };
  }
  if (Buffer.byteLength(JSON.stringify(entry)) > MAX_ENTRY_BYTES) {
    return { result: { ErrorCode: 'InvalidArgument', ErrorMessage: 'Entry size exceeds 256 KB.' } };
  }
  if (parseJsonObject(entry.Detail as string) === undefined) {
    return { result: { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' } };
  }
  const time = entry.Time;
  const accepted: PutEventsEntry = {
    Source: entry.Source as string,
    DetailType: entry.DetailType as string,
    Detail: entry.Detail as string,
    ...(typeof entry.EventBusName === 'string' ? { EventBusName: entry.EventBusName } : {}),
    ...(Array.isArray(entry.Resources) ? { Resources: entry.Resources.map(String) } : {}),
    // The SDKs send timestamps as epoch seconds.
    ...(typeof time === 'number' ? { Time: new Date(time * 1000).toISOString() } : {}),
    ...(typeof time === 'string' ? { Time: time } : {}),
  };
  return { entry: accepted, result: { EventId: randomUUID() } };
}

/**
 * Answers a `PutEvents` request body as EventBridge does: 400 `ValidationException` for a
 * malformed request, otherwise 200 with `FailedEntryCount` and one result per entry.
 */
export function putEventsResponse(body: string): {
  statusCode: number;
  output: unknown;
  accepted: { entry: PutEventsEntry; eventId: string }[];
} {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    return {
      statusCode: 400,
      output: { __type: 'SerializationException', message: 'Request body is not valid JSON' },
      accepted: [],
    };
  }
  const entries = (request as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
    return {
      statusCode: 400,
      output: {
        __type: 'ValidationException',
        message: `Entries must be a list of 1 to ${MAX_ENTRIES} entries`,
      },
      accepted: [],
    };
  }
  const checked = entries.map(checkEntry);
  const results = checked.map((item) => item.result);
  return {
    statusCode: 200,
    output: {
      FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length,
      Entries: results,
    },
    accepted: checked.flatMap((item) =>
      item.entry && 'EventId' in item.result
        ? [{ entry: item.entry, eventId: item.result.EventId }]
        : [],
    ),
  };
}

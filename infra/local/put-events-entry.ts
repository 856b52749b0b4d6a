import { parseJsonObject } from '../../shared/domain/json-object.ts';

/** An entry as the AWS JSON protocol reads it: each member of its modelled type, null as absent. */
export interface DecodedEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Resources?: string[];
  /** Epoch seconds, as the SDKs send a timestamp. */
  Time?: number;
  TraceHeader?: string;
}

/** Why EventBridge refuses one entry, in the shape of a `PutEventsResultEntry`. */
export interface EntryFailure {
  ErrorCode: string;
  ErrorMessage: string;
}

/** EventBridge refuses the whole request: answered 400 with this AWS JSON 1.1 error type. */
export class PutEventsRequestError extends Error {
  readonly type: 'SerializationException' | 'ValidationException';

  constructor(type: PutEventsRequestError['type'], message: string) {
    super(message);
    this.name = 'PutEventsRequestError';
    this.type = type;
  }
}

const ENTRY_LIMITS = {
  sourceMaxCharacters: 256,
  detailTypeMaxCharacters: 128,
  eventBusNameMaxLength: 1600,
  traceHeaderMaxLength: 500,
  // What an RFC 3339 timestamp can say: years 0000 to 9999, in epoch seconds.
  minTimeSeconds: -62_167_219_200,
  maxTimeSeconds: 253_402_300_799,
  // The size EventBridge counts for a Time, whatever its value.
  timeBytes: 14,
} as const;

// The model's pattern for NonPartnerEventBusNameOrArn, anchored.
const EVENT_BUS_NAME_OR_ARN =
  /^(arn:aws[\w-]*:events:[a-z]{2}-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[.\-_A-Za-z0-9]+$/;

const STRING_MEMBERS = ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const;

/** How Jackson, behind the AWS JSON endpoints, names the token it could not convert. */
function tokenName(value: unknown): string {
  if (Array.isArray(value)) return 'START_ARRAY';
  if (typeof value === 'object' && value !== null) return 'START_OBJECT';
  if (typeof value === 'boolean') return value ? 'VALUE_TRUE' : 'VALUE_FALSE';
  return typeof value === 'number' ? 'NUMBER_VALUE' : 'STRING_VALUE';
}

function notConvertible(value: unknown, target: string): PutEventsRequestError {
  return new PutEventsRequestError(
    'SerializationException',
    `${tokenName(value)} cannot be converted to ${target}`,
  );
}

/**
 * Reads one member of `Entries` as the protocol does. Throws `PutEventsRequestError`
 * (SerializationException) for a value of the wrong JSON type, as EventBridge answers it.
 */
export function decodeEntry(raw: unknown): DecodedEntry {
  if (raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw notConvertible(raw, 'PutEventsRequestEntry');
  const members = raw as Record<string, unknown>;
  const entry: DecodedEntry = {};
  for (const name of STRING_MEMBERS) {
    const value = members[name];
    if (value === null || value === undefined) continue;
    if (typeof value !== 'string') throw notConvertible(value, 'String');
    entry[name] = value;
  }
  const time = members.Time;
  if (time !== null && time !== undefined) {
    if (typeof time !== 'number') throw notConvertible(time, 'Date');
    entry.Time = time;
  }
  const resources = members.Resources;
  if (resources !== null && resources !== undefined) {
    if (!Array.isArray(resources)) throw notConvertible(resources, 'List');
    for (const resource of resources) {
      if (typeof resource !== 'string') throw notConvertible(resource, 'String');
    }
    entry.Resources = resources as string[];
  }
  return entry;
}

// Smithy's length traits count code points, not UTF-16 units.
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** The model's length and pattern constraints EventBridge checks before anything else. */
export function constraintViolations(entry: DecodedEntry, index: number): string[] {
  const at = (member: string) => `Value at 'entries.${index + 1}.member.${member}'`;
  const violations: string[] = [];
  const bus = entry.EventBusName;
  if (bus !== undefined) {
    if (bus === '' || codePoints(bus) > ENTRY_LIMITS.eventBusNameMaxLength) {
      violations.push(
        `${at('eventBusName')} failed to satisfy constraint: Member must have length between 1 and ${ENTRY_LIMITS.eventBusNameMaxLength}`,
      );
    } else if (!EVENT_BUS_NAME_OR_ARN.test(bus)) {
      violations.push(
        `${at('eventBusName')} failed to satisfy constraint: Member must satisfy regular expression pattern: ${EVENT_BUS_NAME_OR_ARN.source}`,
      );
    }
  }
  const trace = entry.TraceHeader;
  if (
    trace !== undefined &&
    (trace === '' || codePoints(trace) > ENTRY_LIMITS.traceHeaderMaxLength)
  ) {
    violations.push(
      `${at('traceHeader')} failed to satisfy constraint: Member must have length between 1 and ${ENTRY_LIMITS.traceHeaderMaxLength}`,
    );
  }
  return violations;
}

/** The entry's size as EventBridge's "Calculating PutEvents event entry size" counts it. */
export function entrySize(entry: DecodedEntry): number {
  let size = entry.Time === undefined ? 0 : ENTRY_LIMITS.timeBytes;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text !== undefined) size += Buffer.byteLength(text, 'utf8');
  }
  return size;
}

function invalid(member: string, reason: string): EntryFailure {
  return {
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${member} is not valid. Reason: ${reason}`,
  };
}

/** Why EventBridge fails this entry on its own (its `ErrorCode`), or undefined when it takes it. */
export function entryFailure(entry: DecodedEntry): EntryFailure | undefined {
  for (const member of ['Source', 'DetailType', 'Detail'] as const) {
    if (!entry[member]) return invalid(member, `${member} is a required argument.`);
  }
  const { Source = '', DetailType = '', Detail = '', Time } = entry;
  if (Source.startsWith('aws.')) {
    return {
      ErrorCode: 'NotAuthorizedForSourceException',
      ErrorMessage: 'Not authorized for the source.',
    };
  }
  if (codePoints(Source) > ENTRY_LIMITS.sourceMaxCharacters) {
    return invalid(
      'Source',
      `Source is longer than ${ENTRY_LIMITS.sourceMaxCharacters} characters.`,
    );
  }
  if (codePoints(DetailType) > ENTRY_LIMITS.detailTypeMaxCharacters) {
    return invalid(
      'DetailType',
      `DetailType is longer than ${ENTRY_LIMITS.detailTypeMaxCharacters} characters.`,
    );
  }
  if (
    Time !== undefined &&
    !(Time >= ENTRY_LIMITS.minTimeSeconds && Time <= ENTRY_LIMITS.maxTimeSeconds)
  ) {
    return invalid('Time', 'Time is not a timestamp from year 0000 to 9999.');
  }
  if (parseJsonObject(Detail) === undefined) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return undefined;
}

/** An entry's `Time` as the event's `time` field: RFC 3339 in whole seconds, as EventBridge writes it. */
export function eventTime(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

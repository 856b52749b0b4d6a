import { PARK_ATTRIBUTES } from '../../shared/adapters/sqs-dead-letter-queue.ts';

/** A message read from the dead-letter queue, as the console keeps it: never its title or body. */
export interface PeekedMessage {
  messageId: string;
  body: string;
  /** String message attributes by name. */
  attributes: Readonly<Record<string, string>>;
}

/** What a dead letter is. */
export const DEAD_LETTER_KINDS = {
  chunk: 'chunk',
  hrEvent: 'hr-event',
  other: 'other',
} as const;

export type DeadLetterKind = (typeof DEAD_LETTER_KINDS)[keyof typeof DEAD_LETTER_KINDS];

export interface DeadLetter {
  messageId: string;
  kind: DeadLetterKind;
  errorType: string;
  errorMessage: string;
  parkedAt?: string;
  /** The chunk's request, or the HR event's ID (an HR event's request ID). */
  requestId?: string;
  accessorCount: number;
}

/** Whether redriving a group can help. */
export const REDRIVE_VERDICTS = {
  hopeless: 'hopeless',
  maybe: 'maybe',
  retry: 'retry',
} as const;

export type RedriveVerdict = (typeof REDRIVE_VERDICTS)[keyof typeof REDRIVE_VERDICTS];

export interface DeadLetterGroup {
  errorType: string;
  verdict: RedriveVerdict;
  /** Why, in a sentence an operator can act on. */
  advice: string;
  letters: DeadLetter[];
  accessorCount: number;
}

/** The ErrorType of a chunk SQS moved after `maxReceiveCount` receives: it carries none. */
export const NO_ERROR_TYPE = 'MaxReceiveCountExceeded';

// EventBridge's own dead letters carry these instead of the pipeline's attributes.
const EVENTBRIDGE_ATTRIBUTES = { errorType: 'ERROR_CODE', errorMessage: 'ERROR_MESSAGE' };

const HOPELESS_ADVICE: Readonly<Record<string, string>> = {
  AccessDeniedException:
    'The service refused the worker: these are parked again until its role or the space allows the call.',
  ValidationException:
    'The service refused the input: the same chunk is refused again. Fix the request and send it anew.',
  InvalidMessage:
    'Not an invite chunk the worker can read: it parks it again. Replay HR events by publishing them again.',
};

const MAYBE_ADVICE: Readonly<Record<string, string>> = {
  ResourceNotFoundException:
    'The space was not found: a redrive succeeds only once the space exists in this account and region.',
};

/** Failures that pass by themselves: chunks parked for them should go through on a redrive. */
const PASSING = new Set([
  NO_ERROR_TYPE,
  'EnqueueFailed',
  'InternalServerException',
  'ThrottlingException',
]);

const HR_EVENT_ADVICE =
  'HR events are not invite chunks: the worker parks them again as InvalidMessage. Publish the event again instead.';

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function asEvent(value: unknown): Record<string, unknown> | undefined {
  const event = value as Record<string, unknown> | undefined;
  return typeof event?.id === 'string' && typeof event['detail-type'] === 'string'
    ? event
    : undefined;
}

function eventAccessors(event: Record<string, unknown>): number {
  const detail = (event.detail ?? {}) as { accessorId?: unknown; accessorIds?: unknown };
  if (Array.isArray(detail.accessorIds)) return detail.accessorIds.length;
  return typeof detail.accessorId === 'string' ? 1 : 0;
}

/**
 * What a dead letter is and why it was parked: a chunk (request ID, accessor count), an HR event
 * (its ID; as parked by the intake, by EventBridge, or in a failed invocation's record), or other.
 */
export function describeDeadLetter(message: PeekedMessage): DeadLetter {
  const { attributes } = message;
  const errorType =
    attributes[PARK_ATTRIBUTES.errorType] ??
    attributes[EVENTBRIDGE_ATTRIBUTES.errorType] ??
    NO_ERROR_TYPE;
  const errorMessage =
    attributes[PARK_ATTRIBUTES.errorMessage] ??
    attributes[EVENTBRIDGE_ATTRIBUTES.errorMessage] ??
    (errorType === NO_ERROR_TYPE ? 'Moved by the redrive policy after its last receive' : '');
  const parkedAt = attributes[PARK_ATTRIBUTES.parkedAt];
  const base = {
    messageId: message.messageId,
    errorType,
    errorMessage,
    ...(parkedAt ? { parkedAt } : {}),
  };
  const body = parse(message.body);
  if (body?.v === 1 && typeof body.requestId === 'string' && Array.isArray(body.accessorIds)) {
    return {
      ...base,
      kind: DEAD_LETTER_KINDS.chunk,
      requestId: body.requestId,
      accessorCount: body.accessorIds.length,
    };
  }
  const event = asEvent(body) ?? asEvent(body?.requestPayload);
  if (event !== undefined) {
    return {
      ...base,
      kind: DEAD_LETTER_KINDS.hrEvent,
      requestId: event.id as string,
      accessorCount: eventAccessors(event),
    };
  }
  return { ...base, kind: DEAD_LETTER_KINDS.other, accessorCount: 0 };
}

function verdictOf(errorType: string, letters: readonly DeadLetter[]) {
  if (letters.every((letter) => letter.kind === DEAD_LETTER_KINDS.hrEvent)) {
    return { verdict: REDRIVE_VERDICTS.hopeless, advice: HR_EVENT_ADVICE };
  }
  const hopeless = HOPELESS_ADVICE[errorType];
  if (hopeless !== undefined) return { verdict: REDRIVE_VERDICTS.hopeless, advice: hopeless };
  const maybe = MAYBE_ADVICE[errorType];
  if (maybe !== undefined) return { verdict: REDRIVE_VERDICTS.maybe, advice: maybe };
  if (PASSING.has(errorType)) {
    return {
      verdict: REDRIVE_VERDICTS.retry,
      advice: 'A passing failure: a redrive should deliver these.',
    };
  }
  // The worker parks only what a retry cannot help (a refused signature, say): an error it does
  // not know may not pass by itself either.
  return {
    verdict: REDRIVE_VERDICTS.maybe,
    advice: `${errorType} is not one this console knows: find out what it means before a redrive.`,
  };
}

/**
 * Dead letters grouped by `ErrorType` (HR events apart, whatever their type), the largest group
 * first, each with whether a redrive can help.
 */
export function groupDeadLetters(letters: readonly DeadLetter[]): DeadLetterGroup[] {
  const groups = new Map<string, DeadLetter[]>();
  for (const letter of letters) {
    const key =
      letter.kind === DEAD_LETTER_KINDS.hrEvent
        ? `HR event: ${letter.errorType}`
        : letter.errorType;
    groups.set(key, [...(groups.get(key) ?? []), letter]);
  }
  return [...groups.entries()]
    .map(([errorType, members]) => ({
      errorType,
      ...verdictOf(members[0]?.errorType ?? errorType, members),
      letters: members.sort((a, b) => (b.parkedAt ?? '').localeCompare(a.parkedAt ?? '')),
      accessorCount: members.reduce((sum, letter) => sum + letter.accessorCount, 0),
    }))
    .sort((a, b) => b.letters.length - a.letters.length);
}

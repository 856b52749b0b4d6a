import type { ValidationReason } from './constants.ts';
import type { OutgoingMessage } from './ports.ts';

export interface FieldProblem {
  name: string;
  message: string;
}

/**
 * What the pipeline's own rules refuse. `errorType` names the failure the way AWS services do;
 * the API answers with it (`x-amzn-errortype`) and the DLQ keeps it (`ErrorType`).
 */
export abstract class PipelineError extends Error {
  abstract readonly errorType: string;
}

/** Input breaks the service's rules; shaped like the service's own `ValidationException`. */
export class InviteValidationError extends PipelineError {
  readonly errorType = 'ValidationException';
  readonly reason: ValidationReason;
  readonly fieldList: FieldProblem[];

  constructor(
    message: string,
    reason: ValidationReason,
    fieldList: FieldProblem[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'InviteValidationError';
    this.reason = reason;
    this.fieldList = fieldList;
  }
}

/** The space is valid but not one this deployment may invite to. */
export class SpaceNotAllowedError extends PipelineError {
  readonly errorType = 'AccessDeniedException';
  readonly spaceId: string;

  constructor(spaceId: string) {
    super(`Space ${spaceId} is not in the allowed spaces of this deployment`);
    this.name = 'SpaceNotAllowedError';
    this.spaceId = spaceId;
  }
}

/** Some chunks of an accepted request could not be queued; the caller may retry. */
export class EnqueueError extends PipelineError {
  readonly errorType = 'EnqueueFailed';
  readonly queuedParts: number[];
  readonly failedParts: number[];
  /** The chunk messages that were not queued, so they can be parked instead. */
  readonly failedMessages: OutgoingMessage[];
  /** The request the parts belong to: a resumed request's first ID, not this attempt's. */
  readonly requestId: string | undefined;

  constructor(
    queuedParts: number[],
    failedMessages: OutgoingMessage[],
    options?: ErrorOptions & { requestId?: string },
  ) {
    const failedParts = failedMessages.map((message) => Number(message.id));
    super(
      `${failedParts.length} of ${queuedParts.length + failedParts.length} parts could not be queued`,
      options,
    );
    this.name = 'EnqueueError';
    this.queuedParts = queuedParts;
    this.failedParts = failedParts;
    this.failedMessages = failedMessages;
    this.requestId = options?.requestId;
  }
}

/** A queue message that does not follow the chunk schema; it can never succeed. */
export class InvalidChunkMessageError extends PipelineError {
  readonly errorType = 'InvalidMessage';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidChunkMessageError';
  }
}

/** The same `Idempotency-Key` came with another payload: the key cannot be reused for it. */
export class IdempotencyKeyMismatchError extends PipelineError {
  readonly errorType = 'IdempotentParameterMismatchException';

  constructor() {
    super(
      'This Idempotency-Key was used with a different request; use a new key for a new request',
    );
    this.name = 'IdempotencyKeyMismatchError';
  }
}

/** The first request with this `Idempotency-Key` is still being accepted. */
export class IdempotencyKeyInUseError extends PipelineError {
  readonly errorType = 'ConflictException';
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super(
      `A request with this Idempotency-Key is still being accepted; retry in ${retryAfterSeconds} s`,
    );
    this.name = 'IdempotencyKeyInUseError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/**
 * Another attempt took the idempotency key over (this one outlived its lock), so this attempt's
 * state of the key was not written: reported with the ledger's failures, never answered.
 */
export class IdempotencyKeyLostError extends Error {
  constructor() {
    super('Another attempt holds the Idempotency-Key now; this attempt did not write its state');
    this.name = 'IdempotencyKeyLostError';
  }
}

/** The request ledger could not record a request: nothing was queued, and a retry is safe. */
export class LedgerUnavailableError extends PipelineError {
  readonly errorType = 'ServiceUnavailableException';

  constructor(options?: ErrorOptions) {
    super('The request ledger is unavailable; nothing was queued, retry the request', options);
    this.name = 'LedgerUnavailableError';
  }
}

/** No request has this ID, or its record has expired. */
export class RequestNotFoundError extends PipelineError {
  readonly errorType = 'ResourceNotFoundException';
  readonly requestId: string;

  constructor(requestId: string) {
    super(`Request ${requestId} not found; records are kept for a limited time`);
    this.name = 'RequestNotFoundError';
    this.requestId = requestId;
  }
}

/**
 * A write whose answer was lost (a timeout, a 5xx, a retried attempt): it may or may not have
 * landed, and the caller acts as if it had wherever that is the safe reading.
 */
export class UnknownOutcomeError extends Error {
  constructor(action: string, cause: unknown) {
    super(`Could not tell whether ${action} landed`, { cause });
    this.name = 'UnknownOutcomeError';
  }
}

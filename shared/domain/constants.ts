/** Limits of the SendInvites operation, from the service model. */
export const SEND_INVITES_LIMITS = {
  maxAccessorsPerCall: 1000,
  titleMaxCodePoints: 200,
  bodyMaxCodePoints: 600,
} as const;

/** Limits this pipeline applies to what it accepts, beyond the service model. */
export const REQUEST_LIMITS = {
  accessorIdMaxCodePoints: 256,
  spaceIdMaxLength: 64,
  /** API Gateway HTTP API's maximum payload. */
  maxBodyBytes: 10 * 1024 * 1024,
  /** At most this many per-member problems are listed in one error; the rest are counted. */
  maxListedFieldErrors: 100,
} as const;

/** Facts about SQS that shape how chunks are packed and sent. */
export const SQS_LIMITS = {
  maxBatchEntries: 10,
  maxBatchBytes: 1024 * 1024,
  maxMessageBytes: 1024 * 1024,
  maxVisibilitySeconds: 43_200,
} as const;

/**
 * Bytes kept free in every chunk so the worker can park it in the DLQ with its
 * error attributes (type, message, service request id) without exceeding the size limit.
 */
export const DEAD_LETTER_ATTRIBUTE_RESERVE_BYTES = 8 * 1024;

export const SPACE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const VALIDATION_REASONS = {
  unknownOperation: 'unknownOperation',
  cannotParse: 'cannotParse',
  fieldValidationFailed: 'fieldValidationFailed',
  other: 'other',
} as const;

export type ValidationReason = (typeof VALIDATION_REASONS)[keyof typeof VALIDATION_REASONS];

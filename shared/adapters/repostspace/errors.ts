/** Response metadata, as on the official client's errors. */
export interface RepostspaceResponseMetadata {
  httpStatusCode?: number;
  /** The service's `x-amzn-requestid`. */
  requestId?: string;
}

/** Who is at fault: the caller (`client`) or the service and the way to it (`server`). */
export type RepostspaceFault = 'client' | 'server';

export interface RepostspaceServiceExceptionOptions {
  name: string;
  message: string;
  $fault: RepostspaceFault;
  $metadata: RepostspaceResponseMetadata;
  cause?: unknown;
  /** From the `Retry-After` header, on any error that has one. */
  retryAfterSeconds?: number | undefined;
}

/** What every error-type specific exception takes. */
export type RepostspaceExceptionOptions = Omit<
  RepostspaceServiceExceptionOptions,
  'name' | '$fault'
>;

/** One field of a request that failed validation. */
export interface ValidationExceptionField {
  name: string;
  message: string;
}

/**
 * Any failed SendInvites call. `name` is the service's error type when the service gave one;
 * otherwise it says what went wrong (`TimeoutError`, `NetworkingError`, `UnknownError`).
 */
export class RepostspaceServiceException extends Error {
  readonly $fault: RepostspaceFault;
  readonly $metadata: RepostspaceResponseMetadata;
  /** Set on errors the service model marks retryable. */
  declare readonly $retryable?: { throttling?: boolean };
  readonly requestId?: string;
  /** From the `Retry-After` header: when the service said to come back. */
  readonly retryAfterSeconds?: number | undefined;

  constructor(options: RepostspaceServiceExceptionOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name;
    this.$fault = options.$fault;
    this.$metadata = options.$metadata;
    this.requestId = options.$metadata.requestId;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 429: the call was refused by the service's rate limit. */
export class ThrottlingException extends RepostspaceServiceException {
  override readonly $retryable = { throttling: true };
  readonly serviceCode?: string;
  readonly quotaCode?: string;

  constructor(
    options: RepostspaceExceptionOptions & {
      retryAfterSeconds?: number;
      serviceCode?: string;
      quotaCode?: string;
    },
  ) {
    super({ ...options, name: 'ThrottlingException', $fault: 'client' });
    this.name = 'ThrottlingException';
    this.serviceCode = options.serviceCode;
    this.quotaCode = options.quotaCode;
  }
}

/** 500: the service failed; the call may be retried. */
export class InternalServerException extends RepostspaceServiceException {
  override readonly $retryable = {};

  constructor(options: RepostspaceExceptionOptions & { retryAfterSeconds?: number }) {
    super({ ...options, name: 'InternalServerException', $fault: 'server' });
    this.name = 'InternalServerException';
  }
}

/** 400: the input breaks the service's rules. */
export class ValidationException extends RepostspaceServiceException {
  /** `unknownOperation`, `cannotParse`, `fieldValidationFailed` or `other`. */
  readonly reason?: string;
  readonly fieldList?: ValidationExceptionField[];

  constructor(
    options: RepostspaceExceptionOptions & {
      reason?: string;
      fieldList?: ValidationExceptionField[];
    },
  ) {
    super({ ...options, name: 'ValidationException', $fault: 'client' });
    this.name = 'ValidationException';
    this.reason = options.reason;
    this.fieldList = options.fieldList;
  }
}

/** 403: the caller may not send invites to this space. */
export class AccessDeniedException extends RepostspaceServiceException {
  constructor(options: RepostspaceExceptionOptions) {
    super({ ...options, name: 'AccessDeniedException', $fault: 'client' });
    this.name = 'AccessDeniedException';
  }
}

/** 404: the space (or another resource the call names) does not exist. */
export class ResourceNotFoundException extends RepostspaceServiceException {
  readonly resourceId?: string;
  readonly resourceType?: string;

  constructor(
    options: RepostspaceExceptionOptions & { resourceId?: string; resourceType?: string },
  ) {
    super({ ...options, name: 'ResourceNotFoundException', $fault: 'client' });
    this.name = 'ResourceNotFoundException';
    this.resourceId = options.resourceId;
    this.resourceType = options.resourceType;
  }
}

/** No region, or an endpoint that is not an http(s) URL: a setup mistake, not a service error. */
export class RepostspaceConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RepostspaceConfigurationError';
  }
}

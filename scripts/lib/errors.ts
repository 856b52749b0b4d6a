/** Input or arguments that can never work; the command exits with code 2 before sending anything. */
export class UsageError extends Error {
  readonly exitCode = 2;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The accessor file cannot be read or holds something that is not an accessor ID. */
export class AccessorFileError extends UsageError {
  /** 1-based line of the first problem, when the problem has a line. */
  readonly line: number | undefined;

  constructor(message: string, line?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AccessorFileError';
    this.line = line;
  }
}

/** A queue named by `--stage`/`--service`, or given by URL, does not exist where it was sought. */
export class QueueNotFoundError extends Error {
  readonly queueName: string;

  constructor(queueName: string, options?: ErrorOptions) {
    const check = queueName.includes('://')
      ? 'check the URL, and the SQS endpoint or region it was sent to'
      : 'check --stage, --service and --region';
    super(`Queue ${queueName} does not exist (${check})`, options);
    this.name = 'QueueNotFoundError';
    this.queueName = queueName;
  }
}

/** The SQS endpoint does not implement message move tasks (fauxqs, for one). */
export class MessageMoveUnsupportedError extends Error {
  constructor(action: string, options?: ErrorOptions) {
    super(
      `The SQS endpoint does not support ${action}; message move tasks need Amazon SQS`,
      options,
    );
    this.name = 'MessageMoveUnsupportedError';
  }
}

/**
 * Whether the error, or one of its causes, is a connection nobody accepted: against this
 * machine, the local stack (`npm start`) is not running.
 */
export function isConnectionRefused(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    const { code } = current as { code?: unknown };
    if (code === 'ECONNREFUSED' || current.message.includes('ECONNREFUSED')) return true;
    current = current.cause;
  }
  return false;
}

/** Whether the SDK could find no credentials (no profile, an expired SSO login, …). */
export function isMissingCredentials(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'CredentialsProviderError' ||
      error.message.startsWith('Could not load credentials'))
  );
}

/**
 * One line saying why a call to an AWS endpoint failed, in words an operator can act on: the
 * SDK's own message when it has one, else what the endpoint did (no answer in time, an answer
 * that is not an AWS one, a status without a message).
 */
export function describeCallFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (error.name === 'TimeoutError' || (error as { code?: unknown }).code === 'ETIMEDOUT') {
    return 'the endpoint gave no answer in time';
  }
  if (error.name === 'SyntaxError' && status !== undefined) {
    return `the endpoint answered HTTP ${status} with something that is not an AWS answer: is it the right endpoint?`;
  }
  if ((error.name === 'Unknown' || error.message === 'UnknownError') && status !== undefined) {
    const denied = status === 403 ? ': access denied, check the credentials and permissions' : '';
    return `the endpoint answered HTTP ${status} without saying why${denied}`;
  }
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const firstLine = error.message.split('\n', 1)[0] || error.name;
  // fetch says only "fetch failed"; what failed is in its cause.
  return error.message === 'fetch failed' && cause ? cause : firstLine;
}

/**
 * What to try after `error`, for a command against the local stack (`local`) or AWS; empty
 * when there is nothing better to say than the error.
 */
export function failureHint(error: unknown, local: boolean): string {
  if (local && isConnectionRefused(error)) return ' (is npm start running?)';
  if (isMissingCredentials(error)) {
    return local
      ? ' (the local stack needs none: unset AWS_PROFILE, or export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test)'
      : ' (sign in, e.g. aws sso login, or set AWS_PROFILE or AWS_ACCESS_KEY_ID)';
  }
  return '';
}

/**
 * Writes why command `name` failed to `stderr` and resolves to its exit code: 2 for what the
 * operator must fix before anything can happen (arguments, region, credentials), else 1.
 */
export function reportFailure(
  name: string,
  error: unknown,
  local: boolean,
  stderr: { write(text: string): unknown },
): number {
  if (error instanceof UsageError) {
    stderr.write(`${name}: ${error.message}\nRun with --help for usage.\n`);
    return error.exitCode;
  }
  stderr.write(`${name} failed: ${describeCallFailure(error)}${failureHint(error, local)}\n`);
  return isMissingCredentials(error) ? 2 : 1;
}

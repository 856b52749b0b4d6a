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

/** A queue named by `--stage`/`--service` does not exist in the region. */
export class QueueNotFoundError extends Error {
  readonly queueName: string;

  constructor(queueName: string, options?: ErrorOptions) {
    super(`Queue ${queueName} does not exist (check --stage, --service and --region)`, options);
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

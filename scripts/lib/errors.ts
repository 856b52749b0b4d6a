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

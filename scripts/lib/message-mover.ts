/** Statuses of an SQS message move task. */
export const MOVE_TASK_STATUS = {
  running: 'RUNNING',
  completed: 'COMPLETED',
  cancelling: 'CANCELLING',
  cancelled: 'CANCELLED',
  failed: 'FAILED',
} as const;

export type MoveTaskStatus = (typeof MOVE_TASK_STATUS)[keyof typeof MOVE_TASK_STATUS];

/** One message move task, as `ListMessageMoveTasks` reports it. */
export interface MoveTask {
  /** Only a running task has one. */
  taskHandle?: string;
  status: MoveTaskStatus | string;
  sourceArn: string;
  destinationArn?: string;
  maxMessagesPerSecond?: number;
  moved: number;
  /** Unknown until SQS has counted the source queue. */
  toMove?: number;
  failureReason?: string;
  /** Milliseconds since the epoch. */
  startedAt?: number;
}

export interface StartMoveInput {
  sourceArn: string;
  destinationArn: string;
  /** The queues' URLs, for a mover that receives and sends itself; SQS's move tasks use the ARNs. */
  sourceUrl: string;
  destinationUrl: string;
  maxMessagesPerSecond?: number;
}

/** Moves messages out of a dead-letter queue: SQS's message move tasks, or a test's fake. */
export interface MessageMover {
  /** Starts a task; resolves to its handle. */
  start(input: StartMoveInput): Promise<string>;
  /** The most recent tasks on `sourceArn`, newest first. */
  list(sourceArn: string): Promise<MoveTask[]>;
  /** Asks a running task to stop; resolves to the messages it had moved. */
  cancel(taskHandle: string): Promise<number | undefined>;
  /**
   * True when this process moves the messages itself (no message move tasks on the endpoint),
   * so the move stops with the process; known once `list` has been called.
   */
  readonly inProcess?: boolean;
}

/** A queue's identity and how many messages it holds. */
export interface QueueInfo {
  url: string;
  arn: string;
  /** Where the queue's redrive policy sends its dead letters; undefined without a policy. */
  deadLetterTargetArn?: string;
  visible: number;
  inFlight: number;
  delayed: number;
}

/** Finds queues by name and reads their depth. */
export interface QueueDirectory {
  /** Throws `QueueNotFoundError` when no queue has that name. */
  urlOf(name: string): Promise<string>;
  describe(url: string): Promise<QueueInfo>;
}

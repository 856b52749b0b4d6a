import {
  CancelMessageMoveTaskCommand,
  ListMessageMoveTasksCommand,
  type SQSClient,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { MessageMoveUnsupportedError } from './errors.ts';
import { FallbackMessageMover } from './fallback-message-mover.ts';
import type { MessageMover, MoveTask, StartMoveInput } from './message-mover.ts';
import { SqsCopyingMover } from './sqs-copying-mover.ts';

/** Error names an SQS endpoint answers an action it does not implement with. */
const UNSUPPORTED_ACTION_ERRORS = new Set([
  'InvalidAction',
  'UnsupportedOperation',
  'UnknownOperationException',
]);

function unsupported(action: string, error: unknown): unknown {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && UNSUPPORTED_ACTION_ERRORS.has(name)
    ? new MessageMoveUnsupportedError(action, { cause: error })
    : error;
}

/**
 * Message move tasks on SQS. Throws `MessageMoveUnsupportedError` where the endpoint does not
 * implement them, as fauxqs does not.
 */
export class SqsMessageMover implements MessageMover {
  readonly #client: SQSClient;

  constructor(client: SQSClient) {
    this.#client = client;
  }

  async start(input: StartMoveInput): Promise<string> {
    try {
      const { TaskHandle } = await this.#client.send(
        new StartMessageMoveTaskCommand({
          SourceArn: input.sourceArn,
          // Without a destination SQS moves each message back to the queue it was dead-lettered
          // from; the worker and intake park messages with SendMessage, so they have none.
          DestinationArn: input.destinationArn,
          ...(input.maxMessagesPerSecond !== undefined
            ? { MaxNumberOfMessagesPerSecond: input.maxMessagesPerSecond }
            : {}),
        }),
      );
      return TaskHandle ?? '';
    } catch (error) {
      throw unsupported('StartMessageMoveTask', error);
    }
  }

  async list(sourceArn: string): Promise<MoveTask[]> {
    try {
      const { Results = [] } = await this.#client.send(
        new ListMessageMoveTasksCommand({ SourceArn: sourceArn, MaxResults: 10 }),
      );
      return Results.map((entry) => {
        const task: MoveTask = {
          status: entry.Status ?? 'UNKNOWN',
          sourceArn: entry.SourceArn ?? sourceArn,
          moved: entry.ApproximateNumberOfMessagesMoved ?? 0,
        };
        if (entry.TaskHandle) task.taskHandle = entry.TaskHandle;
        if (entry.DestinationArn) task.destinationArn = entry.DestinationArn;
        if (entry.MaxNumberOfMessagesPerSecond !== undefined) {
          task.maxMessagesPerSecond = entry.MaxNumberOfMessagesPerSecond;
        }
        if (entry.ApproximateNumberOfMessagesToMove !== undefined) {
          task.toMove = entry.ApproximateNumberOfMessagesToMove;
        }
        if (entry.FailureReason) task.failureReason = entry.FailureReason;
        if (entry.StartedTimestamp !== undefined) task.startedAt = entry.StartedTimestamp;
        return task;
      });
    } catch (error) {
      throw unsupported('ListMessageMoveTasks', error);
    }
  }

  async cancel(taskHandle: string): Promise<number | undefined> {
    try {
      const { ApproximateNumberOfMessagesMoved } = await this.#client.send(
        new CancelMessageMoveTaskCommand({ TaskHandle: taskHandle }),
      );
      return ApproximateNumberOfMessagesMoved;
    } catch (error) {
      throw unsupported('CancelMessageMoveTask', error);
    }
  }
}

/**
 * The mover `npm run redrive` and the console use: SQS's message move tasks, or, on an
 * endpoint without them, receive, send and delete in this process.
 */
export function createSqsMover(client: SQSClient): MessageMover {
  return new FallbackMessageMover(new SqsMessageMover(client), new SqsCopyingMover(client));
}

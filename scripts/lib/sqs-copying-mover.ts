import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { inReceiptBatches } from '../../shared/adapters/sqs-receipt-batches.ts';
import { sleep } from '../../shared/lib/sleep.ts';
import {
  type MessageMover,
  MOVE_TASK_STATUS,
  type MoveTask,
  type StartMoveInput,
} from './message-mover.ts';

/** How long a received message stays hidden while it is sent on; a crash hands it back then. */
export const COPY_VISIBILITY_SECONDS = 30;

const RECEIVE_BATCH = 10;

/**
 * Moves messages the way a message move task does, for SQS endpoints without them (fauxqs):
 * receive up to 10 (hidden for 30 s), send each to the destination with its attributes, then
 * delete what was sent. It moves at most the messages the source held at the start (in flight
 * included), and stops at the first empty receive, so what
 * the worker parks again meanwhile is not sent round forever. A send that fails ends the task
 * (FAILED) and leaves that message in the source; one sent but not deleted (a crash in between)
 * is delivered twice, which SendInvites, being idempotent, takes in its stride.
 */
export class SqsCopyingMover implements MessageMover {
  readonly inProcess = true;
  readonly #client: SQSClient;
  readonly #tasks: MoveTask[] = [];
  readonly #running = new Map<
    string,
    { task: MoveTask; stop: AbortController; done: Promise<void> }
  >();
  #count = 0;

  constructor(client: SQSClient) {
    this.#client = client;
  }

  async start(input: StartMoveInput): Promise<string> {
    const { Attributes = {} } = await this.#client.send(
      new GetQueueAttributesCommand({
        QueueUrl: input.sourceUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const taskHandle = `in-process-${++this.#count}`;
    const task: MoveTask = {
      taskHandle,
      status: MOVE_TASK_STATUS.running,
      sourceArn: input.sourceArn,
      destinationArn: input.destinationArn,
      moved: 0,
      // In flight too: a message just read with VisibilityTimeout 0 may still count as such.
      toMove:
        Number(Attributes.ApproximateNumberOfMessages ?? 0) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      // Strictly later than the task before, so the newest is always told apart.
      startedAt: Math.max(Date.now(), (this.#tasks[0]?.startedAt ?? 0) + 1),
      ...(input.maxMessagesPerSecond !== undefined
        ? { maxMessagesPerSecond: input.maxMessagesPerSecond }
        : {}),
    };
    this.#tasks.unshift(task);
    const stop = new AbortController();
    const done = this.#move(task, input, stop.signal).then(
      () => {
        task.status = stop.signal.aborted ? MOVE_TASK_STATUS.cancelled : MOVE_TASK_STATUS.completed;
      },
      (error: unknown) => {
        task.status = MOVE_TASK_STATUS.failed;
        task.failureReason =
          error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      },
    );
    this.#running.set(taskHandle, {
      task,
      stop,
      done: done.finally(() => {
        // As SQS does: a task that has ended has no handle any more.
        delete task.taskHandle;
        this.#running.delete(taskHandle);
      }),
    });
    return taskHandle;
  }

  async list(sourceArn: string): Promise<MoveTask[]> {
    return this.#tasks.filter((task) => task.sourceArn === sourceArn).map((task) => ({ ...task }));
  }

  async cancel(taskHandle: string): Promise<number | undefined> {
    const running = this.#running.get(taskHandle);
    if (running === undefined) return undefined;
    running.stop.abort();
    await running.done;
    return running.task.moved;
  }

  /** Resolves once every task this mover started has ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.#running.values()].map((running) => running.done));
  }

  async #move(task: MoveTask, input: StartMoveInput, signal: AbortSignal): Promise<void> {
    const toMove = task.toMove ?? 0;
    const rate = input.maxMessagesPerSecond;
    while (task.moved < toMove && !signal.aborted) {
      const { Messages = [] } = await this.#client.send(
        new ReceiveMessageCommand({
          QueueUrl: input.sourceUrl,
          MaxNumberOfMessages: Math.min(RECEIVE_BATCH, toMove - task.moved),
          VisibilityTimeout: COPY_VISIBILITY_SECONDS,
          // A long poll asks every SQS server, so an empty answer means an empty queue.
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return;
      const { sent, error } = await this.#send(Messages, input.destinationUrl);
      if (sent.length > 0) {
        const undeleted = await inReceiptBatches(
          sent.map((message) => message.ReceiptHandle ?? ''),
          (entries) =>
            this.#client.send(
              new DeleteMessageBatchCommand({ QueueUrl: input.sourceUrl, Entries: entries }),
            ),
        );
        task.moved += sent.length - undeleted.length;
        // Copied but still in the source: they reappear there, and this task or the next would
        // copy them again. The task stops and says so instead.
        const [first] = undeleted;
        if (first !== undefined) {
          throw new Error(
            `${undeleted.length} messages were copied but could not be deleted from the source ` +
              `(${first.error.name}: ${first.error.message}); they reappear there, and a later ` +
              'move would copy them again',
          );
        }
      }
      // What was not sent reappears in the source once its visibility timeout ends.
      if (error !== undefined) throw error;
      if (rate !== undefined && task.startedAt !== undefined) {
        const ahead = (task.moved / rate) * 1000 - (Date.now() - task.startedAt);
        if (ahead > 0) await sleep(ahead, signal).catch(() => undefined);
      }
    }
  }

  /** One SendMessage each: a batch holds at most 1 MiB, and one chunk can nearly fill that. */
  async #send(
    messages: readonly Message[],
    queueUrl: string,
  ): Promise<{ sent: Message[]; error?: unknown }> {
    const outcomes = await Promise.allSettled(
      messages.map((message) =>
        this.#client.send(
          new SendMessageCommand({
            QueueUrl: queueUrl,
            MessageBody: message.Body ?? '',
            ...(message.MessageAttributes ? { MessageAttributes: message.MessageAttributes } : {}),
          }),
        ),
      ),
    );
    const sent = messages.filter((_, index) => outcomes[index]?.status === 'fulfilled');
    const failure = outcomes.find((outcome) => outcome.status === 'rejected');
    return failure === undefined ? { sent } : { sent, error: failure.reason };
  }
}

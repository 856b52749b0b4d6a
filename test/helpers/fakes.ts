import type { DeliveredMark } from '../../shared/domain/delivery.ts';
import type {
  DeadLetterQueue,
  DeliveredRequeue,
  EnqueueOptions,
  EnqueueResult,
  InviteQueue,
  InviteSender,
  OutgoingMessage,
  ParkReason,
  SendInvitesInput,
  VisibilityControl,
} from '../../shared/domain/ports.ts';

/** An invite sender that answers each call with the next scripted result. */
export class ScriptedSender implements InviteSender {
  readonly calls: SendInvitesInput[] = [];
  readonly #script: (input: SendInvitesInput, call: number) => Error | undefined;

  constructor(
    script: (input: SendInvitesInput, call: number) => Error | undefined = () => undefined,
  ) {
    this.#script = script;
  }

  async sendInvites(input: SendInvitesInput) {
    this.calls.push(input);
    const error = this.#script(input, this.calls.length);
    if (error) throw error;
    return { requestId: `svc-${this.calls.length}` };
  }
}

export function serviceError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} from the service`), { name, ...fields });
}

export class RecordingVisibility implements VisibilityControl {
  readonly delays: { receiptHandle: string; seconds: number }[] = [];
  failWith: Error | undefined;

  async delay(receiptHandles: readonly string[], seconds: number) {
    if (this.failWith) throw this.failWith;
    for (const receiptHandle of receiptHandles) this.delays.push({ receiptHandle, seconds });
    return [];
  }
}

export class RecordingDeadLetters implements DeadLetterQueue {
  readonly parked: { body: string; reason: ParkReason }[] = [];
  failWith: Error | undefined;

  async park(body: string, reason: ParkReason) {
    if (this.failWith) throw this.failWith;
    this.parked.push({ body, reason });
  }
}

/**
 * A queue that accepts everything, or refuses the message IDs a test names; given no time
 * (`timeoutMs` of 0 or less), it queues nothing, as `SqsInviteQueue` then does.
 */
export class RecordingQueue implements InviteQueue {
  readonly sent: OutgoingMessage[] = [];
  /** The options of every call. */
  readonly options: EnqueueOptions[] = [];
  refuse = new Set<string>();

  async enqueue(
    messages: readonly OutgoingMessage[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    this.options.push(options);
    // Nothing is sent before what the call waits for is over, as on SQS.
    await options.after;
    const outOfTime = options.timeoutMs !== undefined && options.timeoutMs <= 0;
    const queued: string[] = [];
    const failed: string[] = [];
    for (const message of messages) {
      if (outOfTime || this.refuse.has(message.id)) failed.push(message.id);
      else {
        this.sent.push(message);
        queued.push(message.id);
      }
    }
    return failed.length > 0
      ? { queued, failed, lastError: new Error('refused') }
      : { queued, failed };
  }
}

/** Records the delivered chunks a worker re-queues, or refuses them when told to. */
export class RecordingRequeue implements DeliveredRequeue {
  readonly requeued: { body: string; mark: DeliveredMark }[] = [];
  failWith: Error | undefined;

  async requeueDelivered(body: string, mark: DeliveredMark) {
    if (this.failWith) throw this.failWith;
    this.requeued.push({ body, mark });
  }
}

import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { SQS_LIMITS } from '../domain/constants.ts';
import type {
  EnqueueOptions,
  EnqueueResult,
  InviteQueue,
  OutgoingMessage,
} from '../domain/ports.ts';
import { backoffDelay } from '../lib/backoff.ts';
import { packBatches } from '../lib/pack-batches.ts';
import { runConcurrently } from '../lib/run-concurrently.ts';
import { sleep } from '../lib/sleep.ts';
import { turnsInOrder } from '../lib/turns.ts';

export interface SqsInviteQueueOptions {
  client: SQSClient;
  queueUrl: string;
  /** `SendMessageBatch` calls in flight at once. */
  maxParallelCalls?: number;
  /** Rounds of sending, the first included, before an entry counts as failed. */
  maxAttempts?: number;
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const DEFAULTS = { maxParallelCalls: 10, maxAttempts: 4, baseDelayMs: 50 };

/** The message attribute with the request's acceptance time, in epoch milliseconds. */
export const ACCEPTED_AT_ATTRIBUTE = 'AcceptedAt';
// An entry's AcceptedAt attribute: its name, data type and a 13-digit value, rounded up.
const ACCEPTED_AT_BYTES = 32;

/**
 * When a received message's request was accepted, from its attributes as the event source
 * mapping gives them; undefined for a message without the attribute (re-queued, or redriven).
 */
export function acceptedAtOf(
  attributes: Record<string, { stringValue?: string }> | undefined,
): number | undefined {
  const value = Number(attributes?.[ACCEPTED_AT_ATTRIBUTE]?.stringValue);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** Why entries still unsent at the deadline count as failed. */
export class EnqueueDeadlineError extends Error {
  constructor() {
    super('Ran out of time to queue every chunk');
    this.name = 'EnqueueDeadlineError';
  }
}

/**
 * The invites queue on SQS. Sends with `SendMessageBatch`, packed to the fewest calls, and
 * sends entries that failed on the service's side again with jittered backoff; entries
 * refused as the sender's fault are not retried. With a deadline, no call outlasts it.
 */
export class SqsInviteQueue implements InviteQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #options: typeof DEFAULTS;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;

  constructor(options: SqsInviteQueueOptions) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#options = {
      maxParallelCalls: options.maxParallelCalls ?? DEFAULTS.maxParallelCalls,
      maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
      baseDelayMs: options.baseDelayMs ?? DEFAULTS.baseDelayMs,
    };
    this.#sleep = options.sleep ?? sleep;
    this.#now = options.now ?? Date.now;
  }

  async enqueue(
    messages: readonly OutgoingMessage[],
    options: EnqueueOptions = {},
  ): Promise<EnqueueResult> {
    const deadline = this.#now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    const { acceptedAt } = options;
    const attributes =
      acceptedAt === undefined
        ? undefined
        : {
            [ACCEPTED_AT_ATTRIBUTE]: {
              DataType: 'Number',
              StringValue: String(Math.round(acceptedAt)),
            },
          };
    const queued: string[] = [];
    const refused: string[] = [];
    let pending = messages;
    let lastError: unknown;
    const hold = options.after && holdUntil(options.after);
    const takeTurn = turnsInOrder();
    for (let attempt = 1; pending.length > 0 && attempt <= this.#options.maxAttempts; attempt++) {
      if (attempt > 1) {
        const delay = backoffDelay(attempt - 1, { base: this.#options.baseDelayMs, max: 2_000 });
        if (this.#now() + delay >= deadline) break;
        await this.#sleep(delay);
      }
      const retry: OutgoingMessage[] = [];
      const batches = packBatches(pending, {
        maxEntries: SQS_LIMITS.maxBatchEntries,
        // Attributes count toward the batch's size too.
        maxBytes:
          SQS_LIMITS.maxBatchBytes -
          (acceptedAt === undefined ? 0 : SQS_LIMITS.maxBatchEntries * ACCEPTED_AT_BYTES),
      });
      await runConcurrently(batches, this.#options.maxParallelCalls, async (batch) => {
        const left = deadline - this.#now();
        if (left <= 0) {
          lastError = new EnqueueDeadlineError();
          retry.push(...batch);
          return;
        }
        try {
          const command = new SendMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: batch.map((message) => ({
              Id: message.id,
              MessageBody: message.body,
              ...(attributes ? { MessageAttributes: attributes } : {}),
            })),
          });
          prepareInTurn(command, takeTurn, () => hold?.failure !== undefined);
          hold?.apply(command);
          const output = await this.#client.send(
            command,
            Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(left) } : {},
          );
          for (const entry of output.Successful ?? []) queued.push(entry.Id as string);
          for (const entry of output.Failed ?? []) {
            if (entry.SenderFault) refused.push(entry.Id as string);
            else retry.push(batch.find((message) => message.id === entry.Id) as OutgoingMessage);
          }
        } catch (error) {
          lastError = error;
          retry.push(...batch);
        }
      });
      // Held calls never left: what they waited for failed, and that is the answer.
      if (hold?.failure) throw hold.failure.reason;
      pending = retry;
    }
    // Even a call that never reached its hold (out of time, nothing to send) answers for it.
    if (hold !== undefined && !(await hold.opened)) throw hold.failure?.reason;
    const failed = [...refused, ...pending.map((message) => message.id)];
    return lastError === undefined ? { queued, failed } : { queued, failed, lastError };
  }
}

/** Thrown inside a held call whose wait failed: it never reaches the network. */
class HeldBackError extends Error {
  constructor() {
    super('Not sent: what the call waited for failed');
    this.name = 'HeldBackError';
  }
}

/**
 * Makes each call wait for its turn of the event loop before it is prepared (its messages
 * hashed, its JSON written, signed): preparing ten calls of 1 MiB takes a while, and in between
 * the calls prepared go out and answers come in (the ledger's, when the calls are held). A call
 * whose hold has failed by its turn is not prepared at all.
 */
function prepareInTurn(
  command: SendMessageBatchCommand,
  takeTurn: () => Promise<void>,
  heldBack: () => boolean,
) {
  command.middlewareStack.add(
    (next) => async (args) => {
      await takeTurn();
      if (heldBack()) throw new HeldBackError();
      return next(args);
    },
    { step: 'initialize', priority: 'high', name: 'prepareInTurn' },
  );
}

/**
 * Holds calls, once serialised and signed, until `after` resolves: the CPU work of preparing
 * them overlaps the wait, and nothing is sent before it is over. The error a held call throws
 * carries no cause, so the SDK's retry never takes it for a transient one.
 */
function holdUntil(after: Promise<unknown>) {
  const hold = {
    failure: undefined as { reason: unknown } | undefined,
    opened: after.then(
      () => true,
      (reason: unknown) => {
        hold.failure = { reason };
        return false;
      },
    ),
    apply(command: SendMessageBatchCommand) {
      // The deserialize step runs inside the retry loop, once the request is signed.
      command.middlewareStack.add(
        (next) => async (args) => {
          if (!(await hold.opened)) throw new HeldBackError();
          return next(args);
        },
        { step: 'deserialize', priority: 'low', name: 'holdUntilReady' },
      );
    },
  };
  return hold;
}

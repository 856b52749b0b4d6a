import { SEND_INVITES_LIMITS } from './constants.ts';
import type { ReceivedMessage } from './delivery.ts';
import { decodeInviteChunk } from './invite-chunk.ts';
import type { BatchSource } from './ports.ts';

/** How often the last, sub-second part of the window is polled when nothing was waiting. */
export const TOP_UP_POLL_STEP_MS = 50;

export interface TopUpOptions {
  source: BatchSource;
  /** Epoch milliseconds: nothing more is gathered after this. */
  until: number;
  /** Accessors to gather in all, the batch included: one SendInvites call's worth by default. */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The accessors the chunks in `messages` would send, counted up to `enough` at most: a chunk
 * re-queued as delivered sends none, and one that does not decode none either (delivery parks it).
 */
export function accessorsToSend(
  messages: readonly ReceivedMessage[],
  enough = Number.POSITIVE_INFINITY,
): number {
  let count = 0;
  for (const message of messages) {
    if (count >= enough) break;
    if (message.delivered) continue;
    try {
      count += decodeInviteChunk(message.body).accessorIds.length;
    } catch {
      // Counted by delivery, which parks it with the reason.
    }
  }
  return count;
}

/**
 * Tops a small batch up from the queue, so that a trickle of small requests (one-person HR
 * events) shares calls without a larger batch size, which would make every bulk request's first
 * batches wait out the window. Gathers until the batch holds a call's worth of accessors or
 * `until` passes; whole seconds are long-polled, the last part of a second in short steps.
 * Resolves to the messages received here (the caller settles them: the event source mapping does
 * not know them). A failed receive ends the top-up: the batch goes as it is.
 */
export async function topUp(
  batch: readonly ReceivedMessage[],
  options: TopUpOptions,
): Promise<ReceivedMessage[]> {
  const { source, until } = options;
  const capacity = options.capacity ?? SEND_INVITES_LIMITS.maxAccessorsPerCall;
  const now = options.now ?? Date.now;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const extra: ReceivedMessage[] = [];
  // A bulk batch is known full after its first chunk: the rest are not decoded here.
  let count = accessorsToSend(batch, capacity);
  while (count < capacity) {
    const left = until - now();
    if (left <= 0) break;
    const waitSeconds = Math.floor(left / 1000);
    let more: ReceivedMessage[];
    try {
      // Every chunk holds at least one accessor: no more messages than accessors still wanted.
      more = await source.receive(Math.min(10, capacity - count), waitSeconds);
    } catch {
      break;
    }
    if (more.length === 0) {
      if (waitSeconds === 0) await sleep(Math.min(left, TOP_UP_POLL_STEP_MS));
      continue;
    }
    extra.push(...more);
    count += accessorsToSend(more);
  }
  return extra;
}

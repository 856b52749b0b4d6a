import { sleep as timerSleep } from '../lib/sleep.ts';
import { SEND_INVITES_LIMITS } from './constants.ts';
import type { ReceivedMessage } from './delivery.ts';
import { decodeInviteChunk } from './invite-chunk.ts';
import { contentKeyOf } from './plan-calls.ts';
import type { BatchSource } from './ports.ts';

/** How often the last, sub-second part of the window is polled when nothing was waiting. */
export const TOP_UP_POLL_STEP_MS = 50;
/**
 * The longest one receive waits: well within the SQS client's 3 s timeout, so a poll on an empty
 * queue is never cut off (messages handed to a cut-off poll stay invisible until their timeout).
 */
export const TOP_UP_MAX_POLL_SECONDS = 1;
/**
 * How long before the window ends gathering stops, so that the call starts by then: closing a
 * call group, reading what it was handed and pacing the call take this long under load (a
 * quarter of the window at most).
 */
export const TOP_UP_CALL_LEAD_MS = 200;

/** How long a top-up gathers, of a window (`TOP_UP_WINDOW_MS`) by which its call should start. */
export function gatheringMs(windowMs: number): number {
  return windowMs - Math.min(TOP_UP_CALL_LEAD_MS, windowMs / 4);
}

/**
 * The least a small batch gathers, however long ago its requests were accepted (handed back after
 * a throttle, redriven, behind a backlog): late batches that several workers receive at once
 * then share a call, rather than each making its own and falling further behind.
 */
export const TOP_UP_LATE_GATHERING_MS = 100;

/** Lambda's invocation payload limit: a topped-up batch holds no more than a batch could. */
export const TOP_UP_MAX_BATCH_BYTES = 6 * 1024 * 1024;

export interface TopUpOptions {
  source: BatchSource;
  /** Epoch milliseconds: nothing more is waited for after this. */
  until: number;
  /** Epoch milliseconds: not even a backlog is taken after this (the last call start, less its lead). */
  deadline?: number;
  /** Accessors to gather in all, the batch included: one SendInvites call's worth by default. */
  capacity?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Told when a receive fails (the top-up then ends). */
  onError?: (error: unknown) => void;
}

/**
 * What a batch would send: accessors in all, and by call content (space, title, body, resend),
 * so as to know how many calls it takes. A chunk re-queued as delivered sends nothing, and one
 * that does not decode nothing either (delivery parks it).
 */
class SendTally {
  accessors = 0;
  bytes = 0;
  readonly #byContent = new Map<string, number>();

  add(messages: readonly ReceivedMessage[], enough = Number.POSITIVE_INFINITY): this {
    for (const message of messages) {
      if (this.accessors >= enough) break;
      this.bytes += Buffer.byteLength(message.body);
      if (message.delivered) continue;
      try {
        const chunk = decodeInviteChunk(message.body);
        const key = contentKeyOf(chunk);
        this.#byContent.set(key, (this.#byContent.get(key) ?? 0) + chunk.accessorIds.length);
        this.accessors += chunk.accessorIds.length;
      } catch {
        // Counted by delivery, which parks it with the reason.
      }
    }
    return this;
  }

  /** Calls of at most `capacity` accessors these chunks need, at the least. */
  calls(capacity: number): number {
    let calls = 0;
    for (const accessors of this.#byContent.values()) calls += Math.ceil(accessors / capacity);
    return calls;
  }
}

/**
 * The accessors the chunks in `messages` would send, counted up to `enough` at most: a chunk
 * re-queued as delivered sends none, and one that does not decode none either.
 */
export function accessorsToSend(
  messages: readonly ReceivedMessage[],
  enough = Number.POSITIVE_INFINITY,
): number {
  return new SendTally().add(messages, enough).accessors;
}

/**
 * Tops a small batch up from the queue, so that a trickle of small requests (one-person HR
 * events) shares calls without a larger batch size, which would make every bulk request's first
 * batches wait out the window. Gathers until `until` passes or the batch holds a call's worth of
 * accessors; a message that would need a call of its own (other content, or no room left) ends
 * it too, and so does Lambda's 6 MB payload. Past `until`, it waits for nothing, but takes what
 * is already waiting while receives come back full (a backlog), up to a call's worth. Polls wait a second at most; the last part of a
 * second is polled in short steps. Resolves to the messages received here, which the caller
 * settles: the event source mapping does not know them. A failed receive ends the top-up, and
 * the batch goes as it is.
 */
export async function topUp(
  batch: readonly ReceivedMessage[],
  options: TopUpOptions,
): Promise<ReceivedMessage[]> {
  const { source, until } = options;
  const capacity = options.capacity ?? SEND_INVITES_LIMITS.maxAccessorsPerCall;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? timerSleep;
  // A bulk batch is known full after its first chunk: the rest are not decoded here.
  const tally = new SendTally().add(batch, capacity);
  // A batch with nothing to send (only chunks re-queued as delivered) makes no call to share.
  if (tally.accessors === 0 || tally.accessors >= capacity) return [];
  const calls = tally.calls(capacity);
  const extra: ReceivedMessage[] = [];
  while (tally.accessors < capacity && tally.bytes < TOP_UP_MAX_BATCH_BYTES) {
    const left = until - now();
    // Past the window nothing is waited for, but a backlog is taken (see below).
    const late = left <= 0;
    const waitSeconds = late ? 0 : Math.min(TOP_UP_MAX_POLL_SECONDS, Math.floor(left / 1000));
    // Every chunk holds at least one accessor: no more messages than accessors still wanted.
    const asked = Math.min(10, capacity - tally.accessors);
    let more: ReceivedMessage[];
    try {
      more = await source.receive(asked, waitSeconds);
    } catch (error) {
      options.onError?.(error);
      break;
    }
    if (more.length === 0) {
      if (late) break;
      if (waitSeconds === 0) await sleep(Math.min(left, TOP_UP_POLL_STEP_MS));
      continue;
    }
    extra.push(...more);
    const before = tally.accessors;
    if (tally.add(more).calls(capacity) > calls) break;
    // A receive that came back full of chunks to send found a backlog (after a throttle, an
    // outage, a slow spell): it goes out in full calls, or small late batches could never catch
    // up. Chunks with nothing to send (re-queued as delivered, or not chunks) end it.
    if (late && (more.length < asked || tally.accessors - before < more.length)) break;
    if (late && now() >= (options.deadline ?? Number.POSITIVE_INFINITY)) break;
  }
  return extra;
}

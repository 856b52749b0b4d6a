import { randomUUID } from 'node:crypto';
import { sleep as timerSleep } from '../lib/sleep.ts';
import { SEND_INVITES_LIMITS } from './constants.ts';
import type { ReceivedMessage } from './delivery.ts';
import { UnknownOutcomeError } from './errors.ts';
import type { InviteChunk } from './invite.ts';
import { decodeInviteChunk, encodeInviteChunk } from './invite-chunk.ts';
import { contentKeyOf } from './plan-calls.ts';
import type { CallGroups, Joined } from './ports.ts';
import { TOP_UP_CALL_LEAD_MS, TOP_UP_MAX_BATCH_BYTES, type TopUpOptions, topUp } from './top-up.ts';

/**
 * How much later than its own gathering would end a batch may join a group closing: half the
 * lead kept for the call, so that batches received a moment apart share one call and it still
 * starts within their window.
 */
export const JOIN_SLACK_MS = TOP_UP_CALL_LEAD_MS / 2;
/**
 * How long a batch first waits to open or join again when a join was refused with `'retry'`
 * (most often: the group is past its close, and its leader a write or two from closing it);
 * each later wait is twice as long.
 */
export const GROUP_RETRY_FIRST_WAIT_MS = 20;

export interface GatherOptions extends TopUpOptions {
  /** Where small batches are pooled across workers; without it, each worker tops up alone. */
  groups?: CallGroups;
  /** Told when a group could not be opened, joined or closed; the batch then goes as it is. */
  onGroupError?: (action: 'open' | 'join' | 'close', error: unknown) => void;
  /** Told of the messages handed to this worker's call by others, and its group's token. */
  onHandedIn?: (messages: readonly ReceivedMessage[], group: string) => void;
  token?: () => string;
  /**
   * The queue's `maxReceiveCount`: a batch on its last receive is not pooled, since a message
   * handed over and not settled would come back only to be moved to the DLQ with no reason.
   */
  maxReceiveCount?: number;
}

/** What a batch gathered: messages to send besides its own, or nothing, having handed them on. */
export type Gathered =
  | { handedOff: false; extra: ReceivedMessage[] }
  | { handedOff: true; accessors: number; joined: Joined };

/** A batch another worker's call could carry: all one content, fewer accessors than a call. */
interface Poolable {
  contentKey: string;
  title: string;
  body: string;
  accessors: number;
  bytes: number;
}

/**
 * A message as it is handed over: its chunk without the title and body, which are never written
 * to the ledger. The group's content gives them back (`dressed`).
 */
function bare(message: ReceivedMessage): ReceivedMessage {
  const { title: _title, body: _body, ...rest } = decodeInviteChunk(message.body);
  return { ...message, body: JSON.stringify(rest) };
}

/**
 * A handed message with its title and body again, encoded as the intake encodes a chunk; none
 * for one that does not read back as a chunk (SQS keeps the message: it comes back in time).
 */
function dressed(message: ReceivedMessage, pool: Poolable): ReceivedMessage[] {
  try {
    const rest = JSON.parse(message.body) as Omit<InviteChunk, 'title' | 'body'>;
    const chunk = decodeInviteChunk(
      JSON.stringify({ ...rest, title: pool.title, body: pool.body }),
    );
    return [{ ...message, body: encodeInviteChunk(chunk) }];
  } catch {
    return [];
  }
}

function poolable(batch: readonly ReceivedMessage[], capacity: number): Poolable | undefined {
  const keys = new Set<string>();
  let accessors = 0;
  let bytes = 0;
  let content: InviteChunk | undefined;
  for (const message of batch) {
    // A chunk re-queued as delivered, or one that does not decode, is this worker's to settle.
    if (message.delivered) return undefined;
    let chunk: ReturnType<typeof decodeInviteChunk>;
    try {
      chunk = decodeInviteChunk(message.body);
    } catch {
      return undefined;
    }
    content ??= chunk;
    keys.add(contentKeyOf(chunk));
    accessors += chunk.accessorIds.length;
    bytes += Buffer.byteLength(message.body);
  }
  const [contentKey] = keys;
  if (keys.size !== 1 || !content || contentKey === undefined || accessors >= capacity) {
    return undefined;
  }
  return { contentKey, title: content.title, body: content.body, accessors, bytes };
}

/**
 * Gathers a small batch into one call with what other workers receive meanwhile. A batch of one
 * content and fewer accessors than a call either joins the group another worker gathers for that
 * content (its messages handed over: this worker sends nothing and keeps them on the queue for
 * the leader to settle), or opens a group of its own and leads it: it tops up from the queue
 * until `until` (`topUp`), then closes the group and sends what it was handed with the rest.
 * A join refused with `'retry'` (the group past its close, its leader closing it) is tried again
 * after 20 ms, 40, 80… while the window lasts. Without `groups`, or for any other batch, it only
 * tops up. A group that cannot be reached changes nothing but that: the batch tops up and goes
 * alone.
 */
export async function gather(
  batch: readonly ReceivedMessage[],
  options: GatherOptions,
): Promise<Gathered> {
  const { groups, until } = options;
  const now = options.now ?? Date.now;
  const capacity = options.capacity ?? SEND_INVITES_LIMITS.maxAccessorsPerCall;
  const lastReceive = options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
  const pool =
    groups && until > now() && batch.every((message) => message.receiveCount < lastReceive)
      ? poolable(batch, capacity)
      : undefined;
  let led: string | undefined;
  if (groups && pool) {
    const group = {
      token: (options.token ?? randomUUID)(),
      closesAt: until,
      room: capacity - pool.accessors,
      bytesLeft: TOP_UP_MAX_BATCH_BYTES - pool.bytes,
    };
    const handOff = {
      messages: batch.map(bare),
      accessors: pool.accessors,
      bytes: pool.bytes,
      latestClose: until + JOIN_SLACK_MS,
    };
    let unknown = false;
    const step = async <T>(action: 'open' | 'join', run: () => Promise<T>) => {
      try {
        return await run();
      } catch (error) {
        options.onGroupError?.(action, error);
        unknown = error instanceof UnknownOutcomeError;
        return undefined;
      }
    };
    const sleep = options.sleep ?? timerSleep;
    // A group past its close whose leader is still closing it takes no batch, nor lets one open
    // another: while its window leaves time for a group after the wait, the batch tries again.
    for (let waitMs = GROUP_RETRY_FIRST_WAIT_MS; ; waitMs *= 2) {
      // Open first: when no group is open, that is one write; when one is, joining it is two.
      const opened = await step('open', () => groups.open(pool.contentKey, group, now()));
      if (opened === false) {
        const joined = await step('join', () => groups.join(pool.contentKey, handOff, now()));
        if (joined === 'retry' && now() + waitMs + JOIN_SLACK_MS <= until) {
          await sleep(waitMs);
          continue;
        }
        if (joined && joined !== 'retry') {
          return { handedOff: true, accessors: pool.accessors, joined };
        }
      } else if (opened || unknown) {
        // Opened, or perhaps (no answer): others may be joining it, so it is closed all the same.
        led = group.token;
      }
      break;
    }
  }
  const extra = await topUp(batch, options);
  if (groups && pool && led) extra.push(...(await handedTo(groups, pool, led, options)));
  return { handedOff: false, extra };
}

/** Closes the group `token` leads and gives back what was handed to it, told to `options`. */
async function handedTo(
  groups: CallGroups,
  pool: Poolable,
  token: string,
  options: GatherOptions,
): Promise<ReceivedMessage[]> {
  let stored: ReceivedMessage[];
  try {
    stored = await groups.close(pool.contentKey, token, (options.now ?? Date.now)());
  } catch (error) {
    // What was handed over comes back after its visibility timeout.
    options.onGroupError?.('close', error);
    return [];
  }
  const handed = stored.flatMap((message) => dressed(message, pool));
  if (handed.length > 0) options.onHandedIn?.(handed, token);
  if (handed.length < stored.length) {
    const lost = stored.length - handed.length;
    options.onGroupError?.(
      'close',
      new Error(`${lost} handed messages did not read back as chunks; they come back in time`),
    );
  }
  return handed;
}

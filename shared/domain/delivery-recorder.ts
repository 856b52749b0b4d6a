import type { ReceivedChunk } from './delivery.ts';
import type { OutcomeLedger, ParkReason } from './ports.ts';
import { PART_OUTCOMES, type PartOutcome } from './request-record.ts';

/** The ledger key of a chunk: `requestId#part`. */
export function partKey(received: ReceivedChunk): string {
  return `${received.chunk.requestId}#${received.chunk.part}`;
}

export interface DeliveryRecorderOptions {
  ledger: OutcomeLedger;
  /**
   * Outcomes of chunks this execution environment delivered but could not record, by part key.
   * It outlives invocations, so a chunk handed back for the ledger's sake that returns here is
   * recorded without calling SendInvites again.
   */
  unrecorded: Map<string, PartOutcome>;
  /** How long outcomes are kept. */
  retentionMs: number;
  now: () => number;
  /** Hears every ledger call that failed; the delivery goes on without it. */
  onError?: (action: string, error: unknown) => void;
}

/**
 * Records what becomes of each chunk in the request ledger without ever costing an invite: a
 * ledger that cannot be read delivers as if nothing was delivered before, and an outcome that
 * cannot be written keeps its message on the queue to be recorded on a later receive.
 */
export class DeliveryRecorder {
  readonly #options: DeliveryRecorderOptions;

  constructor(options: DeliveryRecorderOptions) {
    this.#options = options;
  }

  /**
   * The part keys of chunks that need no call: delivered already, by the ledger's account, or
   * delivered here and recorded now. A ledger that cannot be read leaves this empty.
   */
  async alreadyDelivered(received: readonly ReceivedChunk[]): Promise<Set<string>> {
    const { ledger, unrecorded } = this.#options;
    const done = new Set<string>();
    for (const item of received) {
      const saved = unrecorded.get(partKey(item));
      if (saved !== undefined && (await this.#write(saved))) {
        unrecorded.delete(partKey(item));
        done.add(partKey(item));
      }
    }
    const asked = received.filter(
      (item) => !unrecorded.has(partKey(item)) && !done.has(partKey(item)),
    );
    try {
      const delivered = await ledger.deliveredParts(asked.map(({ chunk }) => chunk));
      for (const key of delivered) done.add(key);
    } catch (error) {
      this.#options.onError?.('read', error);
    }
    return done;
  }

  /** Whether `received` was delivered here but is not recorded yet: it needs no new call. */
  isUnrecorded(received: ReceivedChunk): boolean {
    return this.#options.unrecorded.has(partKey(received));
  }

  /**
   * Records a delivered chunk. Resolves to false when the ledger failed: the outcome is kept in
   * memory and the message must stay on the queue.
   */
  async delivered(received: ReceivedChunk, skippedIds: readonly string[] = []): Promise<boolean> {
    const skipped = new Set(skippedIds);
    const outcome = this.#outcome(received, {
      outcome: PART_OUTCOMES.delivered,
      invitedCount: received.chunk.accessorIds.filter((id) => !skipped.has(id)).length,
      skippedIds,
      failedIds: [],
    });
    if (await this.#write(outcome)) return true;
    this.#options.unrecorded.set(partKey(received), outcome);
    return false;
  }

  /** Records a chunk that failed for good. Resolves to false when the ledger failed. */
  async failed(
    received: ReceivedChunk,
    reason: Pick<ParkReason, 'errorType' | 'errorMessage'>,
    skippedIds: readonly string[] = [],
  ): Promise<boolean> {
    const skipped = new Set(skippedIds);
    return this.#write(
      this.#outcome(received, {
        outcome: PART_OUTCOMES.failed,
        invitedCount: 0,
        skippedIds,
        failedIds: received.chunk.accessorIds.filter((id) => !skipped.has(id)),
        errorType: reason.errorType,
        errorMessage: reason.errorMessage,
      }),
    );
  }

  #outcome(
    received: ReceivedChunk,
    result: Omit<PartOutcome, 'requestId' | 'part' | 'at'>,
  ): PartOutcome {
    const { requestId, part } = received.chunk;
    return { requestId, part, ...result, at: this.#options.now() };
  }

  async #write(outcome: PartOutcome): Promise<boolean> {
    const { ledger, retentionMs, now } = this.#options;
    try {
      await ledger.recordOutcome(outcome, now() + retentionMs);
      return true;
    } catch (error) {
      this.#options.onError?.('write', error);
      return false;
    }
  }
}

import type { ReceivedChunk } from './delivery.ts';
import type { OutcomeLedger, ParkReason } from './ports.ts';
import { PART_OUTCOMES, type PartOutcome } from './request-record.ts';

/** The ledger key of a chunk: `requestId#part`. */
export function partKey(received: ReceivedChunk): string {
  return `${received.chunk.requestId}#${received.chunk.part}`;
}

export interface DeliveryRecorderOptions {
  ledger: OutcomeLedger;
  /** How long outcomes are kept. */
  retentionMs: number;
  now: () => number;
  /** Hears every ledger call that failed; the delivery goes on without it. */
  onError?: (action: string, error: unknown) => void;
}

/**
 * Records what becomes of each chunk in the request ledger without ever costing an invite: a
 * ledger that cannot be read delivers as if nothing was delivered before, and a write that
 * fails resolves to false so the caller keeps the outcome somewhere durable.
 */
export class DeliveryRecorder {
  readonly #options: DeliveryRecorderOptions;

  constructor(options: DeliveryRecorderOptions) {
    this.#options = options;
  }

  /** The part keys the ledger knows as delivered; none when the ledger cannot be read. */
  async alreadyDelivered(received: readonly ReceivedChunk[]): Promise<Set<string>> {
    if (received.length === 0) return new Set();
    try {
      return await this.#options.ledger.deliveredParts(received.map(({ chunk }) => chunk));
    } catch (error) {
      this.#options.onError?.('read', error);
      return new Set();
    }
  }

  /**
   * Records a delivered chunk (`at` when it was delivered, now by default). Resolves to false
   * when the ledger failed.
   */
  delivered(
    received: ReceivedChunk,
    skippedIds: readonly string[] = [],
    at?: number,
  ): Promise<boolean> {
    const skipped = new Set(skippedIds);
    return this.#write(
      this.#outcome(
        received,
        {
          outcome: PART_OUTCOMES.delivered,
          invitedCount: received.chunk.accessorIds.filter((id) => !skipped.has(id)).length,
          skippedIds,
          failedIds: [],
        },
        at,
      ),
    );
  }

  /** Records a chunk that failed for good. Resolves to false when the ledger failed. */
  failed(
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
    at?: number,
  ): PartOutcome {
    const { requestId, part } = received.chunk;
    return { requestId, part, ...result, at: at ?? this.#options.now() };
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

/** One successful SendInvites call. */
export interface SimulatedDelivery {
  requestId: string;
  spaceId: string;
  accessorIds: readonly string[];
  title: string;
  body: string;
  at: number;
}

export interface SimulatorDeliveries {
  /** The latest deliveries in full, oldest first. */
  recent(): SimulatedDelivery[];
  /** How many times `accessorId` was invited to `spaceId`. */
  count(spaceId: string, accessorId: string): number;
  /** Every (space, accessor) pair invited more than once. */
  duplicates(): { spaceId: string; accessorId: string; count: number }[];
}

/** Per-space counts of every accessor invited, and the latest deliveries in full. */
export class DeliveryLog implements SimulatorDeliveries {
  readonly #recent: SimulatedDelivery[] = [];
  readonly #recentLimit: number;
  readonly #counts = new Map<string, Map<string, number>>();
  accessors = 0;
  distinct = 0;

  constructor(recentLimit: number) {
    this.#recentLimit = recentLimit;
  }

  record(delivery: SimulatedDelivery): void {
    let counts = this.#counts.get(delivery.spaceId);
    if (counts === undefined) {
      counts = new Map();
      this.#counts.set(delivery.spaceId, counts);
    }
    for (const accessorId of delivery.accessorIds) {
      const count = counts.get(accessorId) ?? 0;
      if (count === 0) this.distinct++;
      counts.set(accessorId, count + 1);
    }
    this.accessors += delivery.accessorIds.length;
    if (this.#recentLimit > 0) {
      this.#recent.push(delivery);
      if (this.#recent.length > this.#recentLimit) this.#recent.shift();
    }
  }

  recent(): SimulatedDelivery[] {
    return [...this.#recent];
  }

  count(spaceId: string, accessorId: string): number {
    return this.#counts.get(spaceId)?.get(accessorId) ?? 0;
  }

  duplicates(): { spaceId: string; accessorId: string; count: number }[] {
    const found: { spaceId: string; accessorId: string; count: number }[] = [];
    for (const [spaceId, counts] of this.#counts) {
      for (const [accessorId, count] of counts) {
        if (count > 1) found.push({ spaceId, accessorId, count });
      }
    }
    return found;
  }
}

import type {
  RateCut,
  RateReservation,
  SharedRateState,
  SharedRateStore,
} from '../../shared/domain/ports.ts';

/** The shared rate in memory, for unit tests: the store's contract, its calls, and outages. */
export class MemoryRateStore implements SharedRateStore {
  state: SharedRateState | undefined;
  readonly calls = { read: 0, reserve: 0, cut: 0 };
  /** Every call fails with this while it is set. */
  failWith: Error | undefined;

  #check() {
    if (this.failWith) throw this.failWith;
  }

  async read() {
    this.calls.read++;
    this.#check();
    return this.state && { ...this.state };
  }

  async reserve(request: RateReservation) {
    this.calls.reserve++;
    this.#check();
    const { expected, now, latestStart, intervalMs, restartBefore } = request;
    const current = this.state;
    if (current === undefined) {
      this.state = {
        nextAt: now + intervalMs,
        epoch: 0,
        lastMaxRate: 0,
        throttledAt: 0,
        since: now,
        calls: 1,
        busySince: now,
        busyCalls: 1,
      };
      return { startAt: now, state: { ...this.state } };
    }
    const startAt = Math.max(current.nextAt, now);
    if (current.epoch !== expected?.epoch || startAt > latestStart)
      return { state: { ...current } };
    const restart = current.nextAt < restartBefore;
    const ended = current.nextAt < now;
    this.state = {
      ...current,
      nextAt: startAt + intervalMs,
      since: restart ? now : current.since,
      calls: restart ? 1 : current.calls + 1,
      busySince: ended ? now : current.busySince,
      busyCalls: ended ? 1 : current.busyCalls + 1,
    };
    return { startAt, state: { ...this.state } };
  }

  async cut(request: RateCut) {
    this.calls.cut++;
    this.#check();
    if (this.state === undefined || this.state.epoch !== request.epoch) return undefined;
    const { now, lastMaxRate, pausedUntil } = request;
    this.state = {
      nextAt: pausedUntil,
      epoch: this.state.epoch + 1,
      lastMaxRate,
      throttledAt: now,
      since: pausedUntil,
      calls: 0,
      busySince: pausedUntil,
      busyCalls: 0,
    };
    return { ...this.state };
  }
}

import type { CallPacer, SharedRateState, SharedRateStore } from './ports.ts';
import {
  freshRateState,
  measuredRate,
  SHARED_RATE_DEFAULTS,
  type SharedRateOptions,
  sharedRateAt,
} from './shared-rate.ts';

/** Paces one execution environment on its own: what `AdaptiveRateLimiter` offers. */
export interface LocalPacer {
  waitMs(): number;
  take(): void;
  succeeded(): void;
  throttled(retryAfterSeconds?: number): void;
}

export interface SharedCallPacerOptions {
  store: SharedRateStore;
  /** Paces this environment alone while the store cannot be reached; hears every outcome. */
  fallback: LocalPacer;
  rate?: Partial<SharedRateOptions>;
  /** How long the store is left alone after it failed. */
  retryStoreAfterMs?: number;
  /** Told each time the store fails and pacing falls back to this environment alone. */
  onStoreError?: (error: unknown) => void;
  now?: () => number;
}

/** A start held for the next call, and the state just after it was taken. */
interface HeldStart {
  startAt: number;
  heldAt: number;
  state: SharedRateState;
}

const DEFAULT_RETRY_STORE_AFTER_MS = 10_000;
// A schedule idle this long means a new spell of calls: its rate is measured afresh.
const RESTART_AFTER_IDLE_MS = 2_000;
const MAX_RESERVE_ATTEMPTS = 3;

/**
 * One rate for every execution environment: calls start on a shared schedule (a start per
 * `1 / rate`, the rate learned from throttles as `AdaptiveRateLimiter` learns it), kept in a
 * store every environment reaches. A throttle cuts the rate and pauses the schedule for all, and
 * revokes the starts others held ahead. When the store fails, this environment paces alone.
 */
export class SharedCallPacer implements CallPacer {
  readonly #store: SharedRateStore;
  readonly #fallback: LocalPacer;
  readonly #rate: SharedRateOptions;
  readonly #retryStoreAfterMs: number;
  readonly #onStoreError: ((error: unknown) => void) | undefined;
  readonly #now: () => number;

  #state: SharedRateState | undefined;
  #held: HeldStart | undefined;
  /** The start the last call went out on; undefined when it was paced alone. */
  #call: HeldStart | undefined;
  #storeDownUntil = 0;

  constructor(options: SharedCallPacerOptions) {
    this.#store = options.store;
    this.#fallback = options.fallback;
    this.#rate = { ...SHARED_RATE_DEFAULTS, ...options.rate };
    this.#retryStoreAfterMs = options.retryStoreAfterMs ?? DEFAULT_RETRY_STORE_AFTER_MS;
    this.#onStoreError = options.onStoreError;
    this.#now = options.now ?? Date.now;
  }

  /** Whether calls are paced by this environment alone, the store having failed. */
  get alone(): boolean {
    return this.#now() < this.#storeDownUntil;
  }

  async waitMs(maxWaitMs: number): Promise<number> {
    const now = this.#now();
    if (this.alone) return this.#fallback.waitMs();
    const held = this.#held;
    if (held !== undefined && held.startAt >= now) return held.startAt - now;
    this.#held = undefined;
    try {
      return await this.#reserve(now, now + maxWaitMs);
    } catch (error) {
      this.#storeFailed(error);
      return this.#fallback.waitMs();
    }
  }

  async take(): Promise<boolean> {
    if (this.alone) {
      this.#fallback.take();
      this.#call = undefined;
      return true;
    }
    const held = this.#held;
    this.#held = undefined;
    if (held === undefined) return false;
    if (held.startAt > held.heldAt) {
      // Held ahead: a throttle since then has paused the schedule and revoked it.
      try {
        const state = await this.#store.read();
        if (state !== undefined) this.#state = state;
        if (state !== undefined && state.epoch !== held.state.epoch) return false;
      } catch (error) {
        // The start was taken; only its check failed. Later calls are paced alone.
        this.#storeFailed(error);
      }
    }
    this.#call = held;
    return true;
  }

  async succeeded(): Promise<void> {
    this.#fallback.succeeded();
  }

  async throttled(retryAfterSeconds?: number): Promise<void> {
    this.#fallback.throttled(retryAfterSeconds);
    const call = this.#call;
    if (call === undefined || this.alone) return;
    const now = this.#now();
    const { state, startAt, heldAt } = call;
    // A call held ahead went out on a full schedule: the calls of the spell up to it are what
    // the service sustains. So are they before the first throttle, when the schedule's rate is
    // only a guess: calls that came as fast as they were asked were too many (the SDK's adaptive
    // mode, too, cuts from its measured send rate). Once the rate is learned, a call that met an
    // idle schedule says little of what the service sustains: the cut is from where it stood.
    const sustained =
      startAt > heldAt || state.lastMaxRate === 0
        ? measuredRate(state, startAt)
        : Number.POSITIVE_INFINITY;
    const sending = Math.min(sharedRateAt(state, startAt, this.#rate), sustained);
    try {
      const cut = await this.#store.cut({
        epoch: state.epoch,
        now,
        lastMaxRate: Math.max(this.#rate.minRate, sending),
        pausedUntil: now + (retryAfterSeconds ?? 0) * 1000,
      });
      if (cut !== undefined) this.#state = cut;
    } catch (error) {
      this.#storeFailed(error);
    }
  }

  /** Holds the next start if it is no later than `latestStart`; resolves to the wait for it. */
  async #reserve(now: number, latestStart: number): Promise<number> {
    // Within an epoch the schedule only grows: one already too long is too long still.
    if (this.#state !== undefined && this.#state.nextAt > latestStart) {
      return this.#state.nextAt - now;
    }
    this.#state ??= await this.#store.read();
    for (let attempt = 1; ; attempt++) {
      const seen = this.#state;
      const basis = seen ?? freshRateState(now);
      // The rate when the start comes: a start held ahead of a pause's end is spaced as after it.
      const rate = sharedRateAt(basis, Math.max(now, basis.nextAt), this.#rate);
      const { startAt, state } = await this.#store.reserve({
        expected: seen,
        now,
        latestStart,
        intervalMs: Math.ceil(1000 / rate),
        restartBefore: now - RESTART_AFTER_IDLE_MS,
      });
      this.#state = state;
      if (startAt !== undefined) {
        this.#held = { startAt, heldAt: now, state };
        // The wait counts from the answer: the store's own latency is already spent.
        return Math.max(0, startAt - this.#now());
      }
      // Refused in the same epoch: the schedule is too long. Another epoch: the rate changed.
      // Counted from the ask, a refusal's wait stays longer than the caller would hold.
      if (state.epoch === seen?.epoch || attempt === MAX_RESERVE_ATTEMPTS) {
        return Math.max(0, state.nextAt - now);
      }
    }
  }

  #storeFailed(error: unknown): void {
    this.#storeDownUntil = this.#now() + this.#retryStoreAfterMs;
    this.#held = undefined;
    this.#onStoreError?.(error);
  }
}

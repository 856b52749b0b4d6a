/** Cumulative counters the local stack reads once a second; a counter it cannot read is absent. */
export interface RateCounters {
  /** SendInvites calls the simulator received. */
  calls?: number;
  /** Of those, answered 429. */
  throttled?: number;
  /** Messages in the dead-letter queue, in flight included. */
  deadLetterDepth: number;
}

/** One second of the stack: what happened in it, and the DLQ's depth at its end. */
export interface RateSample {
  /** Epoch milliseconds at the end of the second. */
  at: number;
  calls: number | null;
  throttled: number | null;
  /** How much the DLQ grew in the second (a redrive shrinking it counts 0). */
  parked: number;
  deadLetterDepth: number;
}

/** What `GET /local/rate` answers: the last 15 minutes, a sample a second, oldest first. */
export interface RateSeries {
  intervalSeconds: number;
  windowSeconds: number;
  samples: RateSample[];
}

export const RATE_WINDOW_SECONDS = 15 * 60;

export interface RateSampler {
  series(): RateSeries;
  /** Takes a sample now, as the timer does. */
  sample(): Promise<void>;
  stop(): void;
}

function delta(now: number | undefined, before: number | undefined): number | null {
  return now === undefined || before === undefined ? null : Math.max(0, now - before);
}

/**
 * Reads `read` every `intervalMs` and keeps per-interval differences in a ring of
 * `windowSeconds` worth of samples. A read that fails is skipped (the stack may be stopping).
 */
export function startRateSampler(options: {
  read: () => Promise<RateCounters>;
  intervalMs?: number;
  windowSeconds?: number;
  now?: () => number;
}): RateSampler {
  const intervalMs = options.intervalMs ?? 1_000;
  const windowSeconds = options.windowSeconds ?? RATE_WINDOW_SECONDS;
  const capacity = Math.max(1, Math.round((windowSeconds * 1_000) / intervalMs));
  const now = options.now ?? Date.now;
  const ring: RateSample[] = [];
  let previous: RateCounters | undefined;
  let reading = false;

  async function sample() {
    if (reading) return;
    reading = true;
    try {
      const current = await options.read();
      if (previous !== undefined) {
        ring.push({
          at: now(),
          calls: delta(current.calls, previous.calls),
          throttled: delta(current.throttled, previous.throttled),
          parked: Math.max(0, current.deadLetterDepth - previous.deadLetterDepth),
          deadLetterDepth: current.deadLetterDepth,
        });
        if (ring.length > capacity) ring.shift();
      }
      previous = current;
    } catch {
      previous = undefined;
    } finally {
      reading = false;
    }
  }

  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();
  return {
    series: () => ({ intervalSeconds: intervalMs / 1_000, windowSeconds, samples: [...ring] }),
    sample,
    stop: () => clearInterval(timer),
  };
}

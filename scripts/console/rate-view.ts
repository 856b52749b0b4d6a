/** One bucket of time: what happened in it; null where the source cannot tell. */
export interface RatePoint {
  /** Epoch milliseconds at the start of the bucket. */
  at: number;
  calls: number | null;
  throttled: number | null;
  parked: number | null;
}

/** The rate page's data: the last 15 minutes in equal buckets, oldest first. */
export interface RateView {
  bucketSeconds: number;
  windowSeconds: number;
  points: RatePoint[];
  /** Where the numbers come from, as the page says it. */
  source: string;
}

/** Reads the rate page's data. */
export interface RateSource {
  read(): Promise<RateView>;
}

function add(a: number | null, b: number | null): number | null {
  return a === null || b === null ? (a ?? b) : a + b;
}

/** Samples of `sampleSeconds` each summed into buckets of `bucketSeconds`, aligned to the clock. */
export function bucketSamples(samples: readonly RatePoint[], bucketSeconds: number): RatePoint[] {
  const buckets = new Map<number, RatePoint>();
  const size = bucketSeconds * 1_000;
  for (const sample of samples) {
    const at = Math.floor(sample.at / size) * size;
    const bucket = buckets.get(at);
    buckets.set(
      at,
      bucket === undefined
        ? { ...sample, at }
        : {
            at,
            calls: add(bucket.calls, sample.calls),
            throttled: add(bucket.throttled, sample.throttled),
            parked: add(bucket.parked, sample.parked),
          },
    );
  }
  return [...buckets.values()].sort((a, b) => a.at - b.at);
}

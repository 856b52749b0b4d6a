import type { RateSeries } from '../../infra/local/rate-sampler.ts';
import { bucketSamples, type RateSource, type RateView } from './rate-view.ts';

const BUCKET_SECONDS = 10;

/** The local stack's own counters, from its loopback-only `GET /local/rate`. */
export function localRateSource(apiUrl: string): RateSource {
  return {
    async read(): Promise<RateView> {
      const response = await fetch(`${apiUrl.replace(/\/+$/, '')}/local/rate`);
      if (!response.ok) throw new Error(`GET /local/rate answered ${response.status}`);
      const series = (await response.json()) as RateSeries;
      // A sample's `at` is the end of its second.
      const samples = series.samples.map((sample) => ({
        at: sample.at - series.intervalSeconds * 1_000,
        calls: sample.calls,
        throttled: sample.throttled,
        parked: sample.parked,
      }));
      return {
        bucketSeconds: BUCKET_SECONDS,
        windowSeconds: series.windowSeconds,
        points: bucketSamples(samples, BUCKET_SECONDS),
        source: `the local stack's counters (the simulator's calls and 429s, the DLQ's growth), sampled each second`,
      };
    },
  };
}

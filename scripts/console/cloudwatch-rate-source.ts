import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { METRIC_NAMES } from '../../functions/worker/observer.ts';
import type { RatePoint, RateSource, RateView } from './rate-view.ts';

/** The namespace `serverless.yml` gives Powertools (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'RepostInvitePipeline';
const PERIOD_SECONDS = 60;
const WINDOW_SECONDS = 15 * 60;

const QUERIES = [
  { id: 'calls', metric: METRIC_NAMES.calls },
  { id: 'throttled', metric: METRIC_NAMES.throttled },
  { id: 'parked', metric: METRIC_NAMES.deadLettered },
] as const;

/**
 * The worker's EMF metrics (`SendInvitesCalls`, `SendInvitesThrottled`, `ChunksDeadLettered`)
 * from CloudWatch with `GetMetricData`: sums a minute, the last 15 minutes. The dimension is
 * `service`, the stack's name (each stage has its own), as on the stack's dashboard.
 */
export function cloudWatchRateSource(
  client: CloudWatchClient,
  service: string,
  now: () => number = Date.now,
): RateSource {
  return {
    async read(): Promise<RateView> {
      const end = Math.floor(now() / 60_000) * 60_000 + 60_000;
      const start = end - WINDOW_SECONDS * 1_000;
      const { MetricDataResults = [] } = await client.send(
        new GetMetricDataCommand({
          StartTime: new Date(start),
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: QUERIES.map(({ id, metric }) => ({
            Id: id,
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: METRICS_NAMESPACE,
                MetricName: metric,
                Dimensions: [{ Name: 'service', Value: service }],
              },
              Period: PERIOD_SECONDS,
              Stat: 'Sum',
            },
          })),
        }),
      );
      const points: RatePoint[] = [];
      for (let at = start; at < end; at += PERIOD_SECONDS * 1_000) {
        points.push({ at, calls: 0, throttled: 0, parked: 0 });
      }
      for (const result of MetricDataResults) {
        const id = result.Id as (typeof QUERIES)[number]['id'];
        (result.Timestamps ?? []).forEach((timestamp, index) => {
          const point = points.find((candidate) => candidate.at === timestamp.getTime());
          if (point) point[id] = result.Values?.[index] ?? 0;
        });
      }
      return {
        bucketSeconds: PERIOD_SECONDS,
        windowSeconds: WINDOW_SECONDS,
        points,
        source: `CloudWatch metrics ${METRICS_NAMESPACE} (service=${service}), sums a minute`,
      };
    },
  };
}

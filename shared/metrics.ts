import { Metrics } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from './logger.ts';

export const METRICS_NAMESPACE = 'RepostInvitePipeline';

/** The pipeline's CloudWatch metrics, written as EMF; `POWERTOOLS_METRICS_NAMESPACE` overrides. */
export function createMetrics(): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME,
  });
}

import { Metrics } from '@aws-lambda-powertools/metrics';
import type { TelemetryConfig } from './config/settings-reader.ts';

/** The pipeline's CloudWatch metrics, written as EMF. */
export function createMetrics(telemetry: TelemetryConfig): Metrics {
  return new Metrics({ namespace: telemetry.metricsNamespace, serviceName: telemetry.serviceName });
}

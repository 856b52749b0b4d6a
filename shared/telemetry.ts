import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { TelemetryConfig } from './config/settings-reader.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './metrics.ts';

/** A function's logger, and its EMF metrics unless `metrics` is false (the local stack). */
export function createTelemetry(
  config: TelemetryConfig,
  options: { metrics?: boolean } = {},
): { logger: Logger; metrics?: Metrics } {
  const logger = createLogger(config);
  return options.metrics === false ? { logger } : { logger, metrics: createMetrics(config) };
}

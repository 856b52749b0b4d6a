import { Logger } from '@aws-lambda-powertools/logger';
import type { TelemetryConfig } from './config/settings-reader.ts';

/**
 * The pipeline's structured logger. Title and body are sensitive and are never passed to it;
 * accessor IDs are logged only at DEBUG.
 */
export function createLogger(telemetry: Pick<TelemetryConfig, 'serviceName' | 'logLevel'>): Logger {
  return new Logger({
    serviceName: telemetry.serviceName,
    ...(telemetry.logLevel === undefined ? {} : { logLevel: telemetry.logLevel as 'INFO' }),
  });
}

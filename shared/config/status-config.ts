import type { Environment } from './environment.ts';
import { type LedgerConfig, SettingsReader, type TelemetryConfig } from './settings-reader.ts';

export interface StatusConfig {
  ledger: LedgerConfig;
  telemetry: TelemetryConfig;
}

/**
 * Reads the status function's settings from the environment once: the ledger table and its
 * endpoint. Throws `ConfigurationError` naming every invalid variable.
 */
export function readStatusConfig(env: Environment): StatusConfig {
  const read = new SettingsReader(env);
  const config: StatusConfig = { ledger: read.ledger(), telemetry: read.telemetry() };
  read.done();
  return config;
}

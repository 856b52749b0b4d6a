import {
  type AwsClientOptions,
  FUNCTION_CLIENT_TIMEOUTS,
} from '../../shared/adapters/aws-client-options.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { DynamoDbLedgerReader } from '../../shared/adapters/ledger/dynamodb-ledger-reader.ts';
import type { StatusConfig } from '../../shared/config/status-config.ts';
import { createLogger } from '../../shared/logger.ts';
import { createStatusHandler } from './status.ts';

/** The status function with its real ledger reader, built once per execution environment. */
export function buildStatusHandler(config: StatusConfig, options: { aws?: AwsClientOptions } = {}) {
  const client = createDynamoDbClient({
    ...options.aws,
    endpoint: config.ledger.endpoint,
    timeouts: FUNCTION_CLIENT_TIMEOUTS,
  });
  return createStatusHandler({
    ports: { ledger: new DynamoDbLedgerReader({ client, tableName: config.ledger.tableName }) },
    logger: createLogger(config.telemetry),
  });
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, clientConfig } from '../aws-client-options.ts';

/** How long one call may take, and how often it is tried, when the SDK's defaults are too patient. */
export interface DynamoDbTimeouts {
  requestTimeoutMs: number;
  maxAttempts: number;
}

/**
 * A DynamoDB client for the configured endpoint (`AWS_ENDPOINT_URL_DYNAMODB`), region and
 * credentials; with `timeouts`, a call gives up after that long and that many attempts.
 */
export function createDynamoDbClient(
  options: AwsClientOptions & { endpoint?: string | undefined; timeouts?: DynamoDbTimeouts } = {},
): DynamoDBClient {
  const { timeouts, ...rest } = options;
  return new DynamoDBClient({
    ...clientConfig(rest),
    ...(timeouts
      ? {
          maxAttempts: timeouts.maxAttempts,
          requestHandler: {
            requestTimeout: timeouts.requestTimeoutMs,
            connectionTimeout: timeouts.requestTimeoutMs,
          },
        }
      : {}),
  });
}

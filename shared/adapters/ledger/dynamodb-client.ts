import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, type ClientTimeouts, clientConfig } from '../aws-client-options.ts';

/**
 * A DynamoDB client for the configured endpoint (`AWS_ENDPOINT_URL_DYNAMODB`), region and
 * credentials; with `timeouts`, a call gives up after that long and that many attempts.
 */
export function createDynamoDbClient(
  options: AwsClientOptions & { endpoint?: string | undefined; timeouts?: ClientTimeouts } = {},
): DynamoDBClient {
  return new DynamoDBClient(clientConfig(options));
}

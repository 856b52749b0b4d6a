import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsClientOptions, clientConfig } from '../aws-client-options.ts';

/** A DynamoDB client for the configured endpoint (`AWS_ENDPOINT_URL_DYNAMODB`), region and credentials. */
export function createDynamoDbClient(
  options: AwsClientOptions & { endpoint?: string | undefined } = {},
): DynamoDBClient {
  return new DynamoDBClient(clientConfig(options));
}

import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientOptions } from './aws-client-options.ts';

/**
 * An SQS client: region and credentials from the standard chain unless given, and the endpoint
 * the configuration names (`AWS_ENDPOINT_URL_SQS`), if any.
 */
export function createSqsClient(
  options: AwsClientOptions & { endpoint?: string | undefined } = {},
): SQSClient {
  // An endpoint read from the environment does not stop the SDK from sending to the host in
  // the queue URL instead; emulators name queues on hosts that may not resolve, so an
  // override is passed explicitly, which the SDK honours.
  const { endpoint, region, credentials } = options;
  return new SQSClient({
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  });
}

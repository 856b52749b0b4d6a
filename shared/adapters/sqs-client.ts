import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsClientOptions, type ClientTimeouts, clientConfig } from './aws-client-options.ts';

/**
 * An SQS client for the configured endpoint (`AWS_ENDPOINT_URL_SQS`), region and credentials;
 * with `timeouts`, a call gives up after that long and that many attempts.
 */
export function createSqsClient(
  options: AwsClientOptions & { endpoint?: string | undefined; timeouts?: ClientTimeouts } = {},
): SQSClient {
  // An endpoint read from the environment does not stop the SDK from sending to the host in
  // the queue URL instead; emulators name queues on hosts that may not resolve, so an
  // override is passed explicitly, which the SDK honours.
  return new SQSClient(clientConfig(options));
}

import { SQSClient } from '@aws-sdk/client-sqs';

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * An SQS client configured the standard way: region and credentials from the default chain,
 * the endpoint from `AWS_ENDPOINT_URL_SQS` or `AWS_ENDPOINT_URL` when set.
 */
export function createSqsClient(env: Environment = process.env): SQSClient {
  const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL;
  // An endpoint read from the environment does not stop the SDK from sending to the host in
  // the queue URL instead; emulators name queues on hosts that may not resolve, so an
  // override is passed explicitly, which the SDK honours.
  return new SQSClient(endpoint ? { endpoint } : {});
}

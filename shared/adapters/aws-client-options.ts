import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Region and credentials for the AWS clients a function builds. Deployed, both are left to the
 * standard chain; the local stack passes its own so it never has to write the environment.
 */
export interface AwsClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/** How long one call may take, and how often it is tried, when the SDK's defaults are too patient. */
export interface ClientTimeouts {
  requestTimeoutMs: number;
  maxAttempts: number;
}

/**
 * What the functions' ledger and SQS clients allow one call: far above the tens of milliseconds
 * these calls take, and within every function's time limit, so a connection that hangs ends in an
 * error the function handles instead of Lambda killing it mid-way.
 */
export const FUNCTION_CLIENT_TIMEOUTS: ClientTimeouts = { requestTimeoutMs: 3_000, maxAttempts: 3 };

/**
 * An SDK client's configuration: the given region and credentials, and the endpoint the
 * configuration names (`AWS_ENDPOINT_URL_<SERVICE>`), if any; the standard chain for the rest.
 * With `timeouts`, a call gives up after that long (to connect, and to answer) and that many
 * attempts; without, the SDK waits as long as the connection stays open.
 */
export function clientConfig(
  options: AwsClientOptions & { endpoint?: string | undefined; timeouts?: ClientTimeouts },
) {
  const { endpoint, region, credentials, timeouts } = options;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
    ...(timeouts
      ? {
          maxAttempts: timeouts.maxAttempts,
          requestHandler: {
            requestTimeout: timeouts.requestTimeoutMs,
            connectionTimeout: timeouts.requestTimeoutMs,
            // Without it the handler only logs a warning when requestTimeout passes.
            throwOnRequestTimeout: true,
          },
        }
      : {}),
  };
}

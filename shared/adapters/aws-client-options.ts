import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Region and credentials for the AWS clients a function builds. Deployed, both are left to the
 * standard chain; the local stack passes its own so it never has to write the environment.
 */
export interface AwsClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

/**
 * An SDK client's configuration: the given region and credentials, and the endpoint the
 * configuration names (`AWS_ENDPOINT_URL_<SERVICE>`), if any; the standard chain for the rest.
 */
export function clientConfig(options: AwsClientOptions & { endpoint?: string | undefined }) {
  const { endpoint, region, credentials } = options;
  return {
    ...(endpoint ? { endpoint } : {}),
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
  };
}

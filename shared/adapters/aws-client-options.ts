import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Region and credentials for the AWS clients a function builds. Deployed, both are left to the
 * standard chain; the local stack passes its own so it never has to write the environment.
 */
export interface AwsClientOptions {
  region?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
}

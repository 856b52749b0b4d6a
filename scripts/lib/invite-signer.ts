import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Environment } from '../../shared/config/environment.ts';
import { UsageError } from './errors.ts';
import type { InviteOptions } from './invite-options.ts';
import {
  createSigV4Signer,
  EXECUTE_API_SIGNING_NAME,
  type RequestSigner,
  resolveSigningRegion,
  sendUnsigned,
  shouldSign,
} from './sign-request.ts';

export interface InviteSigner {
  sign: RequestSigner;
  signed: boolean;
  /** How requests go out, for the opening line: `unsigned` or the scope they are signed for. */
  description: string;
}

/** What signing needs from the command's surroundings. */
export interface SigningIo {
  env: Environment;
  /** Defaults to the SDK's default credential chain. */
  credentials?: AwsCredentialIdentityProvider;
  now?: () => Date;
}

/**
 * Decides whether to sign and with what, and loads the credentials once so a missing one
 * fails before any request. Throws `UsageError` when there is no region or no credentials.
 */
export async function resolveInviteSigner(
  options: Pick<InviteOptions, 'sign' | 'region'>,
  baseUrl: URL,
  io: SigningIo,
): Promise<InviteSigner> {
  if (!shouldSign(options.sign, baseUrl, io.env)) {
    return { sign: sendUnsigned, signed: false, description: 'unsigned' };
  }
  const region = resolveSigningRegion(options.region, baseUrl, io.env);
  if (region === undefined) {
    throw new UsageError('No AWS region to sign with: pass --region or set AWS_REGION');
  }
  const credentials = io.credentials ?? defaultProvider();
  try {
    await credentials();
  } catch (error) {
    throw new UsageError(
      `No AWS credentials to sign with (${(error as Error).message}); ` +
        'configure the default credential chain, or pass --no-sign for an endpoint without IAM auth',
      { cause: error },
    );
  }
  return {
    sign: createSigV4Signer({ region, credentials, ...(io.now ? { now: io.now } : {}) }),
    signed: true,
    description: `signed for ${EXECUTE_API_SIGNING_NAME} in ${region}`,
  };
}

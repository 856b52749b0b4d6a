import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { Environment } from '../../shared/config/environment.ts';

/** The SigV4 signing name of API Gateway's IAM authorization. */
export const EXECUTE_API_SIGNING_NAME = 'execute-api';

export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/** Returns the headers to send with `request`: its own, plus any the signature adds. */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

/** Sends requests as they are, for endpoints that do not check authorization. */
export const sendUnsigned: RequestSigner = async (request) => ({ ...request.headers });

export interface SigV4SignerOptions {
  region: string;
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** Defaults to `execute-api`. */
  service?: string;
  /** Defaults to the current time. */
  now?: () => Date;
}

/**
 * Signs requests with SigV4, as API Gateway's `aws_iam` authorizer checks them: the host,
 * the content type and the body are signed; `x-amz-date`, `x-amz-content-sha256`,
 * `authorization` and, with temporary credentials, `x-amz-security-token` are added.
 */
export function createSigV4Signer(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    service: options.service ?? EXECUTE_API_SIGNING_NAME,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  const now = options.now ?? (() => new Date());
  return async function signRequest(request) {
    const { url } = request;
    const signed = await signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        // fetch writes the Host header from the URL itself, so it is signed but not returned.
        headers: { ...request.headers, host: url.host },
        body: request.body,
      }),
      { signingDate: now() },
    );
    const { host: _host, ...headers } = signed.headers;
    return headers;
  };
}

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether the URL names this machine, where the local stack listens. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname) || url.hostname.endsWith('.localhost');
}

/** Whether the environment names credentials, as opposed to the chain finding them elsewhere. */
export function hasEnvironmentCredentials(env: Environment): boolean {
  return Boolean(
    env.AWS_ACCESS_KEY_ID ||
      env.AWS_PROFILE ||
      env.AWS_WEB_IDENTITY_TOKEN_FILE ||
      env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI ||
      env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  );
}

/**
 * Whether to sign: as asked, else always, except for a loopback URL (the local stack, which
 * does not check authorization) when the environment holds no credentials.
 */
export function shouldSign(asked: boolean | undefined, url: URL, env: Environment): boolean {
  if (asked !== undefined) return asked;
  return !(isLoopback(url) && !hasEnvironmentCredentials(env));
}

/**
 * The signing region: `--region`, else the one in an `execute-api` host name, else
 * `AWS_REGION` or `AWS_DEFAULT_REGION`, else `us-east-1` for a loopback URL; undefined otherwise.
 */
export function resolveSigningRegion(
  asked: string | undefined,
  url: URL,
  env: Environment,
): string | undefined {
  return (
    nonEmpty(asked) ??
    EXECUTE_API_HOST.exec(url.hostname)?.[1] ??
    nonEmpty(env.AWS_REGION) ??
    nonEmpty(env.AWS_DEFAULT_REGION) ??
    (isLoopback(url) ? 'us-east-1' : undefined)
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

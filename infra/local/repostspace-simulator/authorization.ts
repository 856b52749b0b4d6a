import type { IncomingMessage } from 'node:http';

const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/([^/\s]+)\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=[0-9a-f]{64}$/;

/** Why AWS refuses an unsigned or badly signed call, with the error type it names. */
export interface AuthorizationProblem {
  type:
    | 'MissingAuthenticationTokenException'
    | 'IncompleteSignatureException'
    | 'InvalidSignatureException';
  message: string;
}

/**
 * Why an unsigned or badly signed call is refused, as AWS names it; the signature itself is not
 * checked here. With `region`, a signature scoped to another region is refused too.
 */
export function authorizationProblem(
  request: IncomingMessage,
  region?: string,
): AuthorizationProblem | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    return { type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  }
  const match = SIGV4_AUTHORIZATION.exec(authorization);
  if (match === null) {
    return {
      type: 'IncompleteSignatureException',
      message: 'Authorization header is not a valid SigV4 authorization',
    };
  }
  if (match[2] !== 'repostspace') {
    return {
      type: 'InvalidSignatureException',
      message: "Credential should be scoped to correct service: 'repostspace'",
    };
  }
  if (region !== undefined && match[1] !== region) {
    return {
      type: 'InvalidSignatureException',
      message: `Credential should be scoped to a valid region, not '${match[1]}'`,
    };
  }
  if (!(match[3] ?? '').split(';').includes('host')) {
    return { type: 'IncompleteSignatureException', message: "'Host' must be a signed header" };
  }
  if (request.headers['x-amz-date'] === undefined && request.headers.date === undefined) {
    return { type: 'IncompleteSignatureException', message: 'Missing X-Amz-Date or Date header' };
  }
  return undefined;
}

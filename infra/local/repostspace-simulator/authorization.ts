import type { IncomingMessage } from 'node:http';

const SIGV4_AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=[^/\s]+\/\d{8}\/[^/\s]+\/([^/\s]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=[0-9a-f]{64}$/;

/** Why an unsigned or badly signed call is refused; the signature itself is not checked. */
export function authorizationProblem(request: IncomingMessage): string | undefined {
  const authorization = request.headers.authorization;
  if (authorization === undefined) return 'Missing Authentication Token';
  const match = SIGV4_AUTHORIZATION.exec(authorization);
  if (match === null) return 'Authorization header is not a valid SigV4 authorization';
  if (match[1] !== 'repostspace') {
    return "Credential should be scoped to correct service: 'repostspace'";
  }
  if (!(match[2] ?? '').split(';').includes('host')) return "'Host' must be a signed header";
  if (request.headers['x-amz-date'] === undefined && request.headers.date === undefined) {
    return 'Missing X-Amz-Date or Date header';
  }
  return undefined;
}

import { createHash } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The parts of a SigV4 `Authorization` header. */
export function parseAuthorization(header: string | undefined) {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=(\w+)$/.exec(
      header ?? '',
    );
  if (!match) return undefined;
  const [accessKeyId, date, region, service, terminator] = (match[1] as string).split('/');
  return {
    accessKeyId,
    date,
    region,
    service,
    terminator,
    signedHeaders: (match[2] as string).split(';'),
    signature: match[3] as string,
  };
}

/**
 * Whether `request` carries the signature `credentials` would give it for `service` in
 * `region`: the request is signed again with `@smithy/signature-v4` at its `x-amz-date`, over
 * the headers it names as signed.
 */
export async function hasValidSignature(
  request: ReceivedRequest,
  credentials: AwsCredentialIdentity,
  region: string,
  service: string,
): Promise<boolean> {
  const authorization = parseAuthorization(String(request.headers.authorization ?? ''));
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const time = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!authorization || !time) return false;
  const [, year, month, day, hour, minute, second] = time;
  const signingDate = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  const headers: Record<string, string> = {};
  for (const name of authorization.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return false;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The signer trusts a payload hash header as given, so the body is checked against it here.
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== sha256Hex(request.body)) return false;
  const [path = '/', query = ''] = request.url.split('?');
  const host = headers.host ?? '';
  const [hostname = '', port] = host.split(':');
  const resigned = await new SignatureV4({ service, region, credentials, sha256: Sha256 }).sign(
    new HttpRequest({
      method: request.method,
      protocol: 'http:',
      hostname,
      ...(port ? { port: Number(port) } : {}),
      path,
      query: Object.fromEntries(new URLSearchParams(query)),
      headers,
      body: request.body,
    }),
    { signingDate },
  );
  return resigned.headers.authorization === request.headers.authorization;
}

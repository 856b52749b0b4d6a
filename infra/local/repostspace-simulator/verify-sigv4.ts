import { createHash } from 'node:crypto';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';

/** How far a request's `x-amz-date` may be from the receiver's clock, as AWS allows. */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface ReceivedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Uint8Array;
}

/** Why a signature does not hold, with the error type and message style of an AWS service. */
export interface SignatureProblem {
  type: 'InvalidSignatureException' | 'UnrecognizedClientException';
  message: string;
}

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const sha256Hex = (body: string | Uint8Array) => createHash('sha256').update(body).digest('hex');

/** The parts of a SigV4 `Authorization` header. */
export function parseAuthorization(header: string | undefined) {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=(\w+)$/.exec(
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

function parseAmzDate(value: string): Date | undefined {
  const time = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!time) return undefined;
  const [, year, month, day, hour, minute, second] = time;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function amzDate(milliseconds: number): string {
  return new Date(milliseconds)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * Checks `request`'s SigV4 signature as an AWS service does: the access key must be the one of
 * `credentials`, the `x-amz-date` within 15 minutes of `now` (when given), a given
 * `x-amz-content-sha256` the hash of the body, and the signature the one `@smithy/signature-v4`
 * computes again over the headers the request names as signed. The region and service are
 * those of `region`/`service`, or the credential scope's when left out.
 * Resolves to the problem, or `undefined` when the signature holds.
 */
export async function signatureProblem(
  request: ReceivedRequest,
  options: {
    credentials: AwsCredentialIdentity;
    region?: string;
    service?: string;
    now?: number;
  },
): Promise<SignatureProblem | undefined> {
  const authorization = parseAuthorization(String(request.headers.authorization ?? ''));
  if (!authorization) {
    return { type: 'InvalidSignatureException', message: 'Authorization header is malformed.' };
  }
  if (authorization.accessKeyId !== options.credentials.accessKeyId) {
    return {
      type: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    };
  }
  const amzDateHeader = String(request.headers['x-amz-date'] ?? '');
  const signingDate = parseAmzDate(amzDateHeader);
  if (!signingDate) {
    return { type: 'InvalidSignatureException', message: 'Missing or invalid X-Amz-Date header.' };
  }
  if (options.now !== undefined) {
    const skew = signingDate.getTime() - options.now;
    if (Math.abs(skew) > MAX_CLOCK_SKEW_MS) {
      const bound = amzDate(options.now + Math.sign(skew) * MAX_CLOCK_SKEW_MS);
      const now = amzDate(options.now);
      return {
        type: 'InvalidSignatureException',
        message:
          skew < 0
            ? `Signature expired: ${amzDateHeader} is now earlier than ${bound} (${now} - 15 min.)`
            : `Signature not yet current: ${amzDateHeader} is still later than ${bound} (${now} + 15 min.)`,
      };
    }
  }
  const headers: Record<string, string> = {};
  for (const name of authorization.signedHeaders) {
    const value = request.headers[name];
    if (value === undefined)
      return { type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  // The signer trusts a payload hash header as given, so the body is checked against it here.
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== sha256Hex(request.body)) {
    return {
      type: 'InvalidSignatureException',
      message: 'The provided x-amz-content-sha256 header does not match what was computed.',
    };
  }
  const [path = '/', query = ''] = request.url.split('?');
  const [hostname = '', port] = (headers.host ?? '').split(':');
  const resigned = await new SignatureV4({
    service: options.service ?? authorization.service ?? '',
    region: options.region ?? authorization.region ?? '',
    credentials: options.credentials,
    sha256: Sha256,
    // Only the headers the caller signed: the signer must not add an x-amz-content-sha256.
    applyChecksum: false,
  }).sign(
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
  const expected = parseAuthorization(String(resigned.headers.authorization));
  return expected?.signature === authorization.signature &&
    expected.signedHeaders.join(';') === authorization.signedHeaders.join(';')
    ? undefined
    : { type: 'InvalidSignatureException', message: SIGNATURE_MISMATCH };
}

/**
 * Whether `request` carries the signature `credentials` would give it for `service` in
 * `region`, whatever its date.
 */
export async function hasValidSignature(
  request: ReceivedRequest,
  credentials: AwsCredentialIdentity,
  region: string,
  service: string,
): Promise<boolean> {
  return (await signatureProblem(request, { credentials, region, service })) === undefined;
}

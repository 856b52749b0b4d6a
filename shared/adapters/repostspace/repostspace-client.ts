import type { Readable } from 'node:stream';
import { addAbortSignal } from 'node:stream';
import { text } from 'node:stream/consumers';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Sha256 } from '@smithy/core/checksum';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { parseJsonObject, stringField } from '../../domain/json-object.ts';
import type { InviteSender, SendInvitesInput, SendInvitesOutput } from '../../domain/ports.ts';
import { parseRetryAfter } from '../../lib/retry-after.ts';
import {
  AccessDeniedException,
  InternalServerException,
  RepostspaceConfigurationError,
  type RepostspaceExceptionOptions,
  type RepostspaceResponseMetadata,
  RepostspaceServiceException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
  type ValidationExceptionField,
} from './errors.ts';

export interface RepostspaceClientOptions {
  /** The region to sign for (`readWorkerConfig` reads it from `AWS_REGION`). */
  region: string;
  /** The service endpoint (`readWorkerConfig` honours `AWS_ENDPOINT_URL_REPOSTSPACE`). */
  endpoint: string;
  /** Defaults to the SDK's default Node.js credential chain (memoised). */
  credentials?: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** Longest a whole call may take, connecting and reading the answer included. */
  requestTimeoutMs?: number;
  connectionTimeoutMs?: number;
  /** Replaces the keep-alive handler built from the two timeouts. */
  httpHandler?: NodeHttpHandler;
}

export const REPOSTSPACE_CLIENT_DEFAULTS = {
  requestTimeoutMs: 10_000,
  connectionTimeoutMs: 3_000,
  maxSockets: 50,
} as const;

const SIGNING_NAME = 'repostspace';

/**
 * Encodes a path label as the SDK's rest-json serializers do (RFC 3986: `!'()*` too), and
 * the dot segments a URL parser would collapse.
 */
function encodePathLabel(label: string): string {
  if (label === '.' || label === '..') return label.replaceAll('.', '%2E');
  return encodeURIComponent(label).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/**
 * A re:Post Private `SendInvites` client signed with SigV4, shaped like the official
 * `@aws-sdk/client-repostspace`: same input, same error names. It never retries or sleeps;
 * the caller owns backoff.
 */
export class RepostspaceClient implements InviteSender {
  readonly region: string;
  readonly endpoint: URL;
  readonly #signer: SignatureV4;
  readonly #httpHandler: NodeHttpHandler;
  readonly #requestTimeoutMs: number;

  /** Throws `RepostspaceConfigurationError` when the region is empty or the endpoint not http(s). */
  constructor(options: RepostspaceClientOptions) {
    if (options.region.trim() === '') {
      throw new RepostspaceConfigurationError('No AWS region for re:Post Private');
    }
    this.region = options.region;
    this.endpoint = parseEndpoint(options.endpoint);
    this.#requestTimeoutMs =
      options.requestTimeoutMs ?? REPOSTSPACE_CLIENT_DEFAULTS.requestTimeoutMs;
    this.#signer = new SignatureV4({
      service: SIGNING_NAME,
      region: this.region,
      credentials: options.credentials ?? defaultProvider(),
      sha256: Sha256,
      // The path below is escaped once for the wire; SigV4 for every service but S3 wants
      // each segment escaped again in the canonical request, which this option does.
      uriEscapePath: true,
    });
    this.#httpHandler =
      options.httpHandler ??
      new NodeHttpHandler({
        // Options, not agents: the handler makes them, and imports node:http only for an http
        // endpoint. A static import of node:http loads undici with it, 15-20 ms of cold start.
        httpAgent: { keepAlive: true, maxSockets: REPOSTSPACE_CLIENT_DEFAULTS.maxSockets },
        httpsAgent: { keepAlive: true, maxSockets: REPOSTSPACE_CLIENT_DEFAULTS.maxSockets },
        connectionTimeout:
          options.connectionTimeoutMs ?? REPOSTSPACE_CLIENT_DEFAULTS.connectionTimeoutMs,
        requestTimeout: this.#requestTimeoutMs,
        // Without it the handler only logs a warning when requestTimeout passes.
        throwOnRequestTimeout: true,
      });
  }

  /**
   * Sends one `SendInvites` call. Rejects with a `RepostspaceServiceException` (or one of its
   * subclasses) named after the service's error type, or `TimeoutError` / `NetworkingError`.
   */
  async sendInvites(input: SendInvitesInput): Promise<SendInvitesOutput> {
    if (input.spaceId.length === 0) {
      throw new TypeError('SendInvites needs a non-empty spaceId');
    }
    const deadline = AbortSignal.timeout(this.#requestTimeoutMs);
    const request = new HttpRequest(await this.#signer.sign(this.#buildRequest(input)));
    let response: HttpResponse;
    let body: string;
    try {
      ({ response } = await this.#httpHandler.handle(request, {
        abortSignal: deadline,
        requestTimeout: this.#requestTimeoutMs,
      }));
      body = await readBody(response.body, deadline);
    } catch (error) {
      throw transportError(error, deadline);
    }
    const $metadata: RepostspaceResponseMetadata = {
      httpStatusCode: response.statusCode,
      requestId: header(response, 'x-amzn-requestid'),
    };
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return { requestId: $metadata.requestId };
    }
    throw serviceError(response, body, $metadata);
  }

  /** Closes the kept-alive connections. */
  destroy(): void {
    this.#httpHandler.destroy();
  }

  #buildRequest(input: SendInvitesInput): HttpRequest {
    const basePath = this.endpoint.pathname.replace(/\/+$/, '');
    const payload = JSON.stringify({
      accessorIds: input.accessorIds,
      title: input.title,
      body: input.body,
    });
    return new HttpRequest({
      method: 'POST',
      protocol: this.endpoint.protocol,
      hostname: this.endpoint.hostname,
      port: this.endpoint.port === '' ? undefined : Number(this.endpoint.port),
      path: `${basePath}/spaces/${encodePathLabel(input.spaceId)}/invite`,
      headers: {
        host: this.endpoint.host,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(payload)),
      },
      body: payload,
    });
  }
}

function parseEndpoint(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new RepostspaceConfigurationError(`Invalid re:Post Private endpoint: ${endpoint}`, {
      cause: error,
    });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new RepostspaceConfigurationError(`Invalid re:Post Private endpoint: ${endpoint}`);
  }
  return url;
}

async function readBody(body: unknown, signal: AbortSignal): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  return text(addAbortSignal(signal, body as Readable));
}

function header(response: HttpResponse, name: string): string | undefined {
  const key = Object.keys(response.headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : response.headers[key];
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
]);

/**
 * The Node handler names ECONNRESET and EPIPE `TimeoutError`, so the error code decides: a
 * dropped or refused connection is a `NetworkingError`, a deadline that passed a `TimeoutError`.
 */
function transportError(error: unknown, deadline: AbortSignal): RepostspaceServiceException {
  if (error instanceof RepostspaceServiceException) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const isNetworkError = typeof code === 'string' && NETWORK_ERROR_CODES.has(code);
  const isTimeout =
    deadline.aborted ||
    code === 'ETIMEDOUT' ||
    (!isNetworkError && (error as { name?: unknown } | null)?.name === 'TimeoutError');
  const detail = error instanceof Error ? error.message : String(error);
  return new RepostspaceServiceException({
    name: isTimeout ? 'TimeoutError' : 'NetworkingError',
    message: isTimeout
      ? `re:Post Private did not answer in time: ${detail}`
      : `Could not reach re:Post Private: ${detail}`,
    $fault: 'server',
    $metadata: {},
    cause: error,
  });
}

/** The error type as the SDK's rest-json protocol reads it: header first, then body fields. */
function errorType(response: HttpResponse, parsed: Record<string, unknown> | undefined) {
  const raw =
    header(response, 'x-amzn-errortype') ??
    stringField(parsed, 'code') ??
    stringField(parsed, 'Code') ??
    stringField(parsed, '__type');
  if (raw === undefined) return undefined;
  let type = raw.split(',')[0] ?? '';
  type = type.split(':')[0] ?? '';
  type = type.slice(type.indexOf('#') + 1);
  type = type.trim();
  return type === '' ? undefined : type;
}

function serviceError(
  response: HttpResponse,
  body: string,
  $metadata: RepostspaceResponseMetadata,
): RepostspaceServiceException {
  const parsed = body.trim() === '' ? undefined : parseJsonObject(body);
  const type = errorType(response, parsed);
  const message =
    stringField(parsed, 'message') ??
    stringField(parsed, 'Message') ??
    `${type ?? 'Unknown error'} (HTTP ${response.statusCode})`;
  const base: RepostspaceExceptionOptions = { message, $metadata };
  switch (type) {
    case 'ThrottlingException':
      return new ThrottlingException({
        ...base,
        retryAfterSeconds: retryAfter(response),
        serviceCode: stringField(parsed, 'serviceCode'),
        quotaCode: stringField(parsed, 'quotaCode'),
      });
    case 'InternalServerException':
      return new InternalServerException({ ...base, retryAfterSeconds: retryAfter(response) });
    case 'ValidationException':
      return new ValidationException({
        ...base,
        reason: stringField(parsed, 'reason'),
        fieldList: fieldList(parsed?.fieldList),
      });
    case 'AccessDeniedException':
      return new AccessDeniedException(base);
    case 'ResourceNotFoundException':
      return new ResourceNotFoundException({
        ...base,
        resourceId: stringField(parsed, 'resourceId'),
        resourceType: stringField(parsed, 'resourceType'),
      });
    default:
      return new RepostspaceServiceException({
        ...base,
        // A 429 or 503 the service names otherwise may still say when to come back.
        retryAfterSeconds: retryAfter(response),
        name: type ?? 'UnknownError',
        message:
          type === undefined && parsed === undefined && body.trim() !== ''
            ? `re:Post Private answered HTTP ${response.statusCode} with a body that is not JSON`
            : message,
        $fault: response.statusCode >= 500 ? 'server' : 'client',
      });
  }
}

function fieldList(value: unknown): ValidationExceptionField[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value
    .filter((item): item is Record<string, unknown> => typeof item === 'object' && item !== null)
    .map((item) => ({
      name: typeof item.name === 'string' ? item.name : '',
      message: typeof item.message === 'string' ? item.message : '',
    }));
}

/** `Retry-After` in whole seconds, as delay-seconds or an HTTP date; undefined when unreadable. */
function retryAfter(response: HttpResponse): number | undefined {
  const ms = parseRetryAfter(header(response, 'retry-after'));
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}

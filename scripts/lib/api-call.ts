import { isConnectionRefused, UsageError } from './errors.ts';
import { isFinalNetworkError } from './retry-policy.ts';
import { isLoopback, type RequestSigner } from './sign-request.ts';

/** Where the pipeline's API is and how requests to it are signed. */
export interface ApiEndpoint {
  /** The API's base URL, e.g. `https://abc123.execute-api.us-east-1.amazonaws.com`. */
  baseUrl: URL;
  sign: RequestSigner;
  timeoutMs: number;
  fetch?: typeof fetch;
  /**
   * Set by `callApi` once the API answered anything: from then on a host name that does not
   * resolve is a passing DNS failure, worth another try, not a mistyped URL.
   */
  reached?: boolean;
}

/** An answer from the API, whatever its status. */
export interface ApiAnswer {
  kind: 'answered';
  status: number;
  headers: Headers;
  text: string;
}

/** No answer: the request could not be signed, the connection failed or it timed out. */
export interface ApiUnreachable {
  kind: 'unreachable';
  message: string;
  /** The transport's error code (`ECONNRESET`, `ENOTFOUND`, …) when it gave one. */
  code?: string;
  /** The request never left this process (it could not be signed). */
  unsent?: true;
}

const URL_EXPECTED = "expected http://127.0.0.1:3000 locally, or the API's https URL";

/**
 * The API's base URL from `--url`. Throws `UsageError` unless it is an http or https URL
 * without a query or fragment (which the calls would drop).
 */
export function parseApiBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${url}; ${URL_EXPECTED}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`--url must be an http or https URL: ${url}; ${URL_EXPECTED}`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new UsageError(`--url must be the API's base URL, without a query or fragment: ${url}`);
  }
  return parsed;
}

/** `{base}{path}`, keeping any path (an API stage) the base URL has. */
export function apiUrl(baseUrl: URL, path: string, query?: Record<string, string>): URL {
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
  url.search = query ? new URLSearchParams(query).toString() : '';
  return url;
}

/** Sends one signed request to the API and reads its answer; never rejects. */
export async function callApi(
  endpoint: ApiEndpoint,
  request: { method: 'GET' | 'POST'; url: URL; headers?: Record<string, string>; body?: string },
): Promise<ApiAnswer | ApiUnreachable> {
  const body = request.body ?? '';
  let headers: Record<string, string>;
  try {
    headers = await endpoint.sign({
      method: request.method,
      url: request.url,
      headers: request.headers ?? {},
      body,
    });
  } catch (error) {
    return {
      kind: 'unreachable',
      message: `could not sign the request: ${(error as Error).message}`,
      unsent: true,
    };
  }
  try {
    const deadline = AbortSignal.timeout(endpoint.timeoutMs);
    const response = await (endpoint.fetch ?? fetch)(request.url, {
      method: request.method,
      headers,
      ...(request.method === 'GET' ? {} : { body }),
      signal: deadline,
    });
    endpoint.reached = true;
    return {
      kind: 'answered',
      status: response.status,
      headers: response.headers,
      text: await response.text(),
    };
  } catch (error) {
    const code = (error as { cause?: { code?: unknown } }).cause?.code;
    return {
      kind: 'unreachable',
      message: describeFetchFailure(error, request.url),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
}

/**
 * fetch reports every transport failure as "fetch failed"; the cause says which. Nothing
 * listening on this machine most likely means the local stack is not running, and a host name
 * that does not resolve a mistyped URL: the message says so.
 */
export function describeFetchFailure(error: unknown, url: URL): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer in time';
  const cause = error.cause as { code?: string; message?: string } | undefined;
  let hint = '';
  if (isConnectionRefused(error) && isLoopback(url)) {
    hint = ` (nothing listens at ${url.origin}: is npm start running?)`;
  } else if (cause?.code === 'ENOTFOUND') {
    hint = ` (no host is named ${url.hostname}: check --url)`;
  } else if (cause?.code === 'UND_ERR_SOCKET') {
    // What fetch reports for a connection the other side closed or reset mid-exchange.
    hint = ' (the connection closed before the whole answer came)';
  }
  return `network error: ${cause?.code ?? cause?.message ?? error.message}${hint}`;
}

/**
 * Whether a call to `endpoint` that failed with this transport error would fail again: a host
 * that does not resolve, unless the API has answered before in this run.
 */
export function failsAgain(endpoint: ApiEndpoint, code: string | undefined): boolean {
  return endpoint.reached !== true && isFinalNetworkError(code);
}

/** `text` as one line (whitespace and control characters collapsed), cut to `max` characters. */
export function oneLine(text: string, max: number): string {
  const line = text.replace(/[\s\p{Cc}]+/gu, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether the `Host` header names this machine's loopback: `localhost` and its subdomains (RFC
 * 6761 keeps them on loopback; fauxqs names queues `sqs.<region>.localhost`), `127.0.0.1` and
 * `[::1]`. A page on another origin that rebinds its DNS name to 127.0.0.1 still sends its own
 * name, and is refused.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return true;
  return /^(([a-z0-9-]+\.)*localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/i.test(host);
}

/**
 * Why a request to one of the local stack's servers (the gateway, SQS, DynamoDB) is refused
 * before it is handled, or undefined when it may go on. They answer programs (the SDKs, the AWS
 * CLI, curl), which send no `Origin` and no Fetch Metadata, and serve no page a browser runs.
 * A page elsewhere can still make the browser ask them: dynalite answers any origin's CORS
 * requests, and a simple POST reaches the intake with no preflight. So a request a browser says
 * comes from a page is refused; an address typed into the browser (`Sec-Fetch-Site: none`) is not.
 */
export function browserRefusal(headers: IncomingHttpHeaders): string | undefined {
  if (!isLoopbackHost(headers.host)) return 'This local server answers only on 127.0.0.1';
  const site = headers['sec-fetch-site'];
  if (headers.origin !== undefined || (site !== undefined && site !== 'none')) {
    return 'This local server answers programs, not web pages';
  }
  return undefined;
}

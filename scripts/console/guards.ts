import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isLoopbackHost } from '../../infra/local/browser-guard.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** Why a request is refused before any route sees it, or undefined when it may go on. */
export function refusal(request: IncomingMessage, port: number): string | undefined {
  // A page elsewhere that rebinds its name to 127.0.0.1 still sends its own name.
  if (!isLoopbackHost(request.headers.host)) return 'This console answers only on 127.0.0.1';
  // A page elsewhere cannot read the answers, but it can make the browser ask (an image, a link
  // followed in a frame), and even a read has effects: each look at the dead letters receives
  // them. Browsers say where a request comes from (Fetch Metadata): only the console's own pages
  // and an address opened directly are answered; a client that does not say is.
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return 'This console answers only its own pages: open its address directly';
  }
  if (SAFE_METHODS.has(request.method ?? 'GET')) return undefined;
  const origin = request.headers.origin;
  // Browsers leave HTTP's default port out of an origin.
  const suffix = port === 80 ? '' : `:${port}`;
  const own = [`http://127.0.0.1${suffix}`, `http://localhost${suffix}`, `http://[::1]${suffix}`];
  if (origin === undefined || !own.includes(origin)) {
    return 'A request that changes something must come from the console’s own pages';
  }
  return undefined;
}

/** A per-process token the console's forms carry, checked on every POST beside the Origin. */
export class CsrfToken {
  readonly value = randomBytes(32).toString('base64url');

  matches(candidate: string | undefined): boolean {
    if (candidate === undefined) return false;
    const given = Buffer.from(candidate);
    const expected = Buffer.from(this.value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

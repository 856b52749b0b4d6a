import type { IncomingMessage } from 'node:http';
import { PayloadTooLargeError, RequestAbandonedError } from './gateway-errors.ts';

export interface BodyLimits {
  /** The most bytes a body may have. */
  maxBytes: number;
}

/**
 * Reads a request's body. Rejects with `PayloadTooLargeError` once it is over the limit, and
 * with `RequestAbandonedError` when the body can never complete or `signal` aborts.
 */
export function readBody(
  request: IncomingMessage,
  limits: BodyLimits,
  signal: AbortSignal,
): Promise<Buffer> {
  if (Number(request.headers['content-length']) > limits.maxBytes) {
    return Promise.reject(new PayloadTooLargeError(limits.maxBytes));
  }
  if (signal.aborted) return Promise.reject(new RequestAbandonedError({ cause: signal.reason }));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    function settle(error?: Error) {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(Buffer.concat(parts));
    }
    function onData(part: Buffer) {
      size += part.length;
      if (size > limits.maxBytes) settle(new PayloadTooLargeError(limits.maxBytes));
      else parts.push(part);
    }
    function onEnd() {
      settle();
    }
    function onError(error: Error) {
      settle(new RequestAbandonedError({ cause: error }));
    }
    function onClose() {
      settle(new RequestAbandonedError());
    }
    function onAbort() {
      settle(new RequestAbandonedError({ cause: signal.reason }));
    }
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('close', onClose);
    signal.addEventListener('abort', onAbort);
  });
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { PayloadTooLargeError, RequestAbandonedError } from './gateway-errors.ts';

export interface BodyLimits {
  /** The most bytes a body may have. */
  maxBytes: number;
  /**
   * The most bytes read and thrown away from an oversized body. A client that sends its whole
   * body before reading the answer can only read the 413 if the gateway reads what it sent.
   */
  discardBytes: number;
}

function expectsContinue(request: IncomingMessage): boolean {
  return request.headers.expect?.toLowerCase() === '100-continue';
}

/**
 * Reads a request's body. Rejects with `PayloadTooLargeError` once an oversized body has been
 * read and discarded (or at once, to a client waiting for `100 Continue`), and with
 * `RequestAbandonedError` when the body can never complete or `signal` aborts.
 */
export function readBody(
  request: IncomingMessage,
  response: ServerResponse,
  limits: BodyLimits,
  signal: AbortSignal,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  const declaredTooLarge = declared > limits.maxBytes;
  if (declaredTooLarge && expectsContinue(request)) {
    return Promise.reject(new PayloadTooLargeError(limits.maxBytes));
  }
  if (signal.aborted) return Promise.reject(new RequestAbandonedError({ cause: signal.reason }));
  if (expectsContinue(request)) response.writeContinue();
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
      if (size <= limits.maxBytes && !declaredTooLarge) {
        parts.push(part);
        return;
      }
      parts.length = 0;
      if (size > limits.discardBytes) settle(new PayloadTooLargeError(limits.maxBytes));
    }
    function onEnd() {
      settle(
        size > limits.maxBytes || declaredTooLarge
          ? new PayloadTooLargeError(limits.maxBytes)
          : undefined,
      );
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

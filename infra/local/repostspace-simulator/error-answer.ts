import type { ServerResponse } from 'node:http';

/** An error as the service answers it: status, `x-amzn-errortype`, and a JSON body. */
export interface ErrorAnswer {
  status: number;
  type: string;
  message: string;
  fields?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** Writes `answer` as a rest-json error response and ends it. */
export function answerError(response: ServerResponse, answer: ErrorAnswer): void {
  const payload = JSON.stringify({ message: answer.message, ...answer.fields });
  response.writeHead(answer.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-errortype': answer.type,
    ...answer.headers,
  });
  response.end(payload);
}

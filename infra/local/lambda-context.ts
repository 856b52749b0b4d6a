import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/** The account the local stack's functions, API and events pretend to live in. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Which function runs, where, and how long it may take. */
export interface InvocationTarget {
  functionName: string;
  timeoutMs: number;
  region: string;
  memoryMb?: number;
}

/** A Lambda context for one invocation whose remaining time counts down from `timeoutMs`. */
export function createLambdaContext(target: InvocationTarget): Context {
  const { functionName, timeoutMs, region, memoryMb = 256 } = target;
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/${randomUUID()}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * The function did not finish within its timeout; Lambda would have stopped it. Nothing can stop
 * it here: `ended` settles once it has finished after all.
 */
export class InvocationTimeoutError extends Error {
  readonly ended: Promise<void>;

  constructor(functionName: string, timeoutMs: number, ended: Promise<void> = Promise.resolve()) {
    super(`${functionName} timed out after ${timeoutMs} ms`);
    this.name = 'InvocationTimeoutError';
    this.ended = ended;
  }
}

/**
 * What is left of a failed invocation: for one that timed out, its run until it ends (it goes on
 * locally, where Lambda would have stopped it); for any other failure, nothing.
 */
export function leftoverOf(error: unknown): Promise<void> {
  return error instanceof InvocationTimeoutError ? error.ended : Promise.resolve();
}

/** Invokes a handler as Lambda does: with a fresh context, failing once the timeout passes. */
export async function invokeWithTimeout<E, R>(
  handler: (event: E, context: Context) => Promise<R>,
  event: E,
  target: InvocationTarget,
): Promise<R> {
  const { functionName, timeoutMs } = target;
  const context = createLambdaContext(target);
  const running = handler(event, context);
  const ended = running.then(
    () => undefined,
    () => undefined,
  );
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new InvocationTimeoutError(functionName, timeoutMs, ended)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The record Lambda's on-failure destination gets for an asynchronous invocation whose retries
 * were all spent: the event as `requestPayload`, the last error as `responsePayload`.
 */
export function failedInvocationRecord(
  event: unknown,
  error: unknown,
  region: string,
  functionName = 'intake',
): Record<string, unknown> {
  const failure = error instanceof Error ? error : new Error(String(error));
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId: randomUUID(),
      functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}:$LATEST`,
      condition: 'RetriesExhausted',
      approximateInvokeCount: 3,
    },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: failure.name, errorMessage: failure.message },
  };
}

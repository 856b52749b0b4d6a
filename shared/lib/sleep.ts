import { setTimeout as delay } from 'node:timers/promises';

/** Resolves after `ms` milliseconds. Rejects with an `AbortError` when `signal` aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return delay(ms, undefined, signal ? { signal } : {});
}

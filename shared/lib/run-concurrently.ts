/** Runs `task` on every item with at most `limit` running at once; resolves when all settle. */
export async function runConcurrently<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/**
 * `runConcurrently`, stopping at the first failure: no item starts once a task has failed (a
 * long task may check `stopped` between its steps), and the first failure is thrown once every
 * running task has settled, so none is left running behind the caller.
 */
export async function runUntilFailure<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, stopped: () => boolean) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  const stopped = () => failure !== undefined;
  await runConcurrently(items, limit, async (item) => {
    if (stopped()) return;
    try {
      await task(item, stopped);
    } catch (error) {
      failure ??= { error };
    }
  });
  if (failure) throw failure.error;
}

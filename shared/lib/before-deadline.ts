/**
 * Waits for `work` at most `ms` milliseconds: resolves to its value, or to `undefined` when the
 * time runs out first (the work goes on; a later failure is left to its own handlers).
 */
export async function beforeDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, Math.max(0, ms), undefined);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

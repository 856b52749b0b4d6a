/**
 * One observer made of two: each of its callbacks calls the first observer's, then the
 * second's, where they have one. For observers whose callbacks all return nothing.
 */
export function alongside<T extends object>(first: T, second: T): T {
  type Callback = (...args: unknown[]) => void;
  const callbacks = (observer: T) => observer as Record<string, Callback | undefined>;
  const names = new Set([...Object.keys(first), ...Object.keys(second)]);
  const combined: Record<string, Callback> = {};
  for (const name of names) {
    combined[name] = (...args) => {
      callbacks(first)[name]?.(...args);
      callbacks(second)[name]?.(...args);
    };
  }
  return combined as T;
}

/**
 * Gives `target` a property `key` computed on its first read and kept from then on: for a value
 * that costs something to make and that most callers never read.
 */
export function withLazyProperty<T extends object, K extends string, V>(
  target: T,
  key: K,
  compute: () => V,
): T & Record<K, V> {
  Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get() {
      const value = compute();
      Object.defineProperty(target, key, { value, enumerable: true, writable: true });
      return value;
    },
  });
  return target as T & Record<K, V>;
}

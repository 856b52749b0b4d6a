/** A JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The JSON object `text` holds, or undefined when it is not JSON or not an object. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The string member `name` of an object, or undefined when it is missing or not a string. */
export function stringField(
  object: Record<string, unknown> | undefined,
  name: string,
): string | undefined {
  const value = object?.[name];
  return typeof value === 'string' ? value : undefined;
}

import { jsonStringBytes } from '../../shared/domain/json-size.ts';

export const INVITE_REQUEST_LIMITS = {
  idsPerRequest: 20_000,
  /**
   * API Gateway hands the body to the intake inside the event, a JSON document Lambda caps at
   * 6 MB for synchronous calls; 4 MiB of body leaves room for the headers and request context.
   */
  maxRequestBytes: 4 * 1024 * 1024,
} as const;

export interface SplitOptions {
  title: string;
  body: string;
  /** Most accessor IDs in one request. */
  maxIds: number;
  /** Most bytes of one request body, counted as `embeddedBytes` counts them. */
  maxBytes: number;
}

/** The JSON body of one `POST /spaces/{spaceId}/invite` request. */
export function inviteRequestBody(accessorIds: readonly string[], title: string, body: string) {
  return JSON.stringify({ accessorIds, title, body });
}

/**
 * Bytes `json` takes once API Gateway writes it into the Lambda event as a string: quotes and
 * backslashes are escaped a second time there, so a body of short IDs grows by about a tenth.
 */
export function embeddedBytes(json: string): number {
  return jsonStringBytes(json) - 2;
}

/**
 * Splits accessor IDs, in order, into request-sized lists: at most `maxIds` each, and a body
 * of at most `maxBytes`. Throws `RangeError` when one ID alone would not fit.
 */
export function splitIntoRequests(ids: readonly string[], options: SplitOptions): string[][] {
  const envelope = embeddedBytes(inviteRequestBody([], options.title, options.body));
  const requests: string[][] = [];
  let current: string[] = [];
  let bytes = envelope;
  for (const id of ids) {
    const cost = embeddedBytes(JSON.stringify(id));
    if (
      current.length > 0 &&
      (current.length >= options.maxIds || bytes + 1 + cost > options.maxBytes)
    ) {
      requests.push(current);
      current = [];
      bytes = envelope;
    }
    const added = current.length > 0 ? 1 + cost : cost;
    if (bytes + added > options.maxBytes) {
      throw new RangeError(
        `A request of one accessor ID takes ${envelope + cost} bytes, over the ${options.maxBytes}-byte limit`,
      );
    }
    current.push(id);
    bytes += added;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}

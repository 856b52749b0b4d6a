import { jsonStringBytes } from '../../shared/domain/json-size.ts';
import { pack } from '../../shared/lib/pack.ts';

export const INVITE_REQUEST_LIMITS = {
  idsPerRequest: 20_000,
  /**
   * API Gateway hands the body to the intake inside the event, a JSON document Lambda caps at
   * 6 MB for synchronous calls; 4 MiB of body leaves room for the headers and request context.
   */
  maxRequestBytes: 4 * 1024 * 1024,
} as const;

/** Options of a request that change its body: invite even the recently invited, or only look. */
export interface RequestFlags {
  resend?: boolean;
  dryRun?: boolean;
}

export interface SplitOptions {
  title: string;
  body: string;
  flags?: RequestFlags;
  /** Most accessor IDs in one request. */
  maxIds: number;
  /** Most bytes of one request body, counted as `embeddedBytes` counts them. */
  maxBytes: number;
}

/** The JSON body of one `POST /spaces/{spaceId}/invite` request; flags only when set. */
export function inviteRequestBody(
  accessorIds: readonly string[],
  title: string,
  body: string,
  flags: RequestFlags = {},
) {
  return JSON.stringify({
    accessorIds,
    title,
    body,
    ...(flags.resend ? { resend: true } : {}),
    ...(flags.dryRun ? { dryRun: true } : {}),
  });
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
  const envelope = embeddedBytes(inviteRequestBody([], options.title, options.body, options.flags));
  return pack(ids, {
    maxCount: options.maxIds,
    maxBytes: options.maxBytes,
    fixedBytes: envelope,
    separatorBytes: 1,
    sizeOf: (id) => embeddedBytes(JSON.stringify(id)),
    oversized: (bytes) =>
      `A request of one accessor ID takes ${bytes} bytes, over the ${options.maxBytes}-byte limit`,
  });
}

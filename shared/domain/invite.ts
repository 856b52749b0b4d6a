/**
 * What one invitation says and to whom: the shape of SendInvites input, shared by a validated
 * request, a queued chunk and a planned call.
 */
export interface Invitation {
  spaceId: string;
  title: string;
  body: string;
  accessorIds: string[];
}

export const CHUNK_MESSAGE_VERSION = 1;

/** One queue message: one chunk of one request, at most 1000 accessors. */
export interface InviteChunk extends Invitation {
  v: typeof CHUNK_MESSAGE_VERSION;
  requestId: string;
  /** 1-based number of this chunk within its request. */
  part: number;
  /** How many chunks the request was split into. */
  parts: number;
  /** Present (true) when the request asked to invite even those invited recently. */
  resend?: true;
}

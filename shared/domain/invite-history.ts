import { fnv1a } from '../lib/fnv1a.ts';

/**
 * When each person was last invited to a space, kept so the pipeline invites each person once
 * within `REINVITE_AFTER_DAYS`. Records are spread over a fixed number of shards per space, so
 * a burst of writes for one space never lands on one partition, and a space can still be
 * forgotten by reading its shards.
 */
export const INVITE_HISTORY_SHARDS = 16;

/** The shard (0..15) an accessor's record lives in: FNV-1a of its ID. */
export function historyShardOf(accessorId: string): number {
  return fnv1a(accessorId) % INVITE_HISTORY_SHARDS;
}

/** One day, in milliseconds: `REINVITE_AFTER_DAYS` is counted in days. */
export const DAY_MS = 86_400_000;

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openQueuePersistence } from '../../../infra/local/loopback-fauxqs.ts';
import { tempStateDir } from '../../helpers/local-stack.ts';

/** fauxqs's SQLite database, which its persistence keeps private. */
function databaseOf(persistence: object) {
  return (persistence as { db: { prepare(sql: string): { get(): object } } }).db;
}

describe('the local queues’ persistence', () => {
  it('keeps the write-ahead log and syncs it at checkpoints, not on every message change', async () => {
    const state = tempStateDir();
    const persistence = await openQueuePersistence(state.path);
    try {
      const db = databaseOf(persistence);
      assert.deepEqual({ ...db.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
      // 1 is NORMAL; SQLite's default, FULL (2), syncs on every commit.
      assert.deepEqual({ ...db.prepare('PRAGMA synchronous').get() }, { synchronous: 1 });
    } finally {
      persistence.close();
      state.cleanup();
    }
  });
});

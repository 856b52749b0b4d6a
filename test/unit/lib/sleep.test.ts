import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sleep } from '../../../shared/lib/sleep.ts';

describe('sleep', () => {
  it('resolves once the time has passed', async () => {
    const started = performance.now();

    await sleep(20);

    assert.ok(performance.now() - started >= 19);
  });

  it('rejects with an AbortError when the signal aborts first', async () => {
    const abort = new AbortController();

    const sleeping = sleep(60_000, abort.signal);
    abort.abort();

    await assert.rejects(sleeping, { name: 'AbortError' });
  });
});

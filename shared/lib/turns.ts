import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Hands out turns of the event loop, one at a time: each call resolves one turn after the one
 * before it did. Work that waits for its turn runs in slices with I/O served in between (an
 * answer read, a request written), rather than all in one go.
 */
export function turnsInOrder(): () => Promise<void> {
  let last: Promise<void> = Promise.resolve();
  return () => {
    last = last.then(() => nextTurn());
    return last;
  };
}

import assert from 'node:assert/strict';

/** The reason `promise` rejects with; the assertion fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let caught: unknown;
  await assert.rejects(promise, (error) => {
    caught = error;
    return true;
  });
  return caught;
}

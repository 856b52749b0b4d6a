import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/**
 * Generated inputs per property of one fuzz suite, so its last test can print them and check
 * that the planned number ran.
 */
export class FuzzRuns {
  readonly #counts = new Map<string, number>();

  /** Counts one input of `name`. */
  add(name: string): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
  }

  /** `check`, counting each input it is called with under `name`. */
  counted<A extends unknown[]>(name: string, check: (...input: A) => Promise<void>) {
    return async (...input: A) => {
      this.add(name);
      await check(...input);
    };
  }

  /** Prints the counts as the test's diagnostic, and fails below `minimum` inputs in all. */
  assertAtLeast(t: TestContext, suite: string, minimum: number): void {
    const total = [...this.#counts.values()].reduce((sum, count) => sum + count, 0);
    const each = [...this.#counts].map(([name, count]) => `${name} ${count}`).join(', ');
    t.diagnostic(`${suite} fuzz runs: ${total} (${each})`);
    assert.ok(total >= minimum, `only ${total} inputs ran`);
  }
}

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { main } from '../../../scripts/console.ts';

function recorder() {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

describe('npm run console', () => {
  it('names CONSOLE_PORT, and exits 1, when its port is taken', async () => {
    const taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const { port } = taken.address() as { port: number };
    const stdout = recorder();
    const stderr = recorder();
    try {
      const started = await main([], { stdout, stderr, env: { CONSOLE_PORT: String(port) } });

      assert.equal(started, 1);
      assert.match(
        stderr.text(),
        new RegExp(
          `port ${port} \\(CONSOLE_PORT\\) is already in use, perhaps by another npm run console; .*set CONSOLE_PORT to another port`,
        ),
      );
    } finally {
      taken.close();
    }
  });
});

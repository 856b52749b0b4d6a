import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStubGateway } from '../../helpers/stub-gateway.ts';

describe('the local HTTP gateway', () => {
  it('logs an unexpected error through onError, answers 500 and stays up', async () => {
    const failing = await startStubGateway({
      health: async () => {
        throw new Error('health check broke');
      },
    });
    try {
      const health = await fetch(`${failing.gateway.url}/health`);
      const next = await fetch(`${failing.gateway.url}/spaces/SP1/invite`, {
        method: 'POST',
        body: '{}',
      });

      assert.equal(health.status, 500);
      assert.deepEqual(await health.json(), { message: 'Internal Server Error' });
      assert.equal(next.status, 202);
      assert.deepEqual(
        failing.errors.map((error) => (error as Error).message),
        ['health check broke'],
      );
    } finally {
      await failing.gateway.stop();
    }
  });
});

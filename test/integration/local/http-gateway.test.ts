import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type StubGateway, startStubGateway } from '../../helpers/stub-gateway.ts';

describe('the local HTTP gateway', () => {
  let stub: StubGateway;

  before(async () => {
    stub = await startStubGateway();
  });
  after(async () => {
    await stub.gateway.stop();
  });

  it('reports the method a refused request used', async () => {
    const response = await fetch(`${stub.gateway.url}/spaces/SP1/invite`);

    assert.equal(response.status, 405);
    assert.deepEqual(stub.reports.at(-1), {
      method: 'GET',
      statusCode: 405,
      body: { message: 'Method GET is not allowed' },
      path: '/spaces/SP1/invite',
    });
  });

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

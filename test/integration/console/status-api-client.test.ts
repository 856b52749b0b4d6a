import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { StatusApiClient, StatusApiError } from '../../../scripts/console/status-api-client.ts';

const STATUS = {
  requestId: 'R1',
  spaceId: 'SP1',
  source: 'http',
  status: 'Succeeded',
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-01T00:00:01.000Z',
  expiresAt: '2027-01-01T00:00:00.000Z',
  accessors: { total: 1, invited: 1, skipped: 0, pending: 0, failed: 0 },
  failures: [],
};

/** Answers by path: what a status API, or something at the wrong URL, would say. */
const ANSWERS: Record<string, [number, string]> = {
  '/requests/R1': [200, JSON.stringify(STATUS)],
  '/requests/gone': [
    404,
    JSON.stringify({ message: 'Request gone not found; records are kept for a limited time' }),
  ],
  '/requests/shapeless': [200, JSON.stringify({ accessors: {} })],
  '/requests/R1/accessors': [200, JSON.stringify({ items: [{ accessorId: 'a' }] })],
};

describe("the console's status API client", () => {
  let server: Server;
  let client: StatusApiClient;

  before(async () => {
    server = createServer((request, response) => {
      const path = new URL(request.url ?? '/', 'http://x').pathname;
      const [status, body] = ANSWERS[path] ?? [404, JSON.stringify({ message: 'Not Found' })];
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = new StatusApiClient({
      baseUrl: `http://127.0.0.1:${port}`,
      sign: async ({ headers }) => headers,
    });
  });
  after(() => server.close());

  it('reads a status, with its JSON exactly as answered', async () => {
    const answer = await client.status('R1');

    assert.equal(answer?.status.status, 'Succeeded');
    assert.equal(answer?.json, JSON.stringify(STATUS));
  });

  it('takes only the API’s own 404 for a request it does not know', async () => {
    assert.equal(await client.status('gone'), undefined);
  });

  it('refuses a 404 that is not the API’s, and a 200 that is not a status, instead of misreading them', async () => {
    await assert.rejects(client.status('R2'), (error: StatusApiError) => {
      assert.ok(error instanceof StatusApiError);
      assert.equal(error.statusCode, 404);
      assert.match(error.message, /does not look like the pipeline's API/);
      return true;
    });
    await assert.rejects(client.status('shapeless'), /HTTP 200 but not with a request status/);
  });

  it('reads a page of accessors', async () => {
    assert.deepEqual(await client.accessors('R1', 'failed', { limit: 100 }), {
      items: [{ accessorId: 'a' }],
    });
  });
});

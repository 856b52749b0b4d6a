import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { followRequests } from '../../../scripts/lib/follow-requests.ts';
import { StatusDisplay } from '../../../scripts/lib/progress.ts';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';

/** A status API that answers the first status read as `first`, and 503 to everything after. */
function flakyStatusApi(first: { status: string; failed: number }) {
  let reads = 0;
  return createServer((request, response) => {
    const url = request.url ?? '';
    if (!url.includes('/accessors') && reads++ === 0) {
      response.writeHead(200, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(
        JSON.stringify({
          requestId: 'R1',
          status: first.status,
          accessors: {
            total: 10,
            invited: 10 - first.failed - 3,
            skipped: 0,
            pending: 3,
            failed: first.failed,
          },
          failures: [],
        }),
      );
      return;
    }
    response.writeHead(503, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: 'Service Unavailable' }));
  });
}

/** A status API whose request R1 invites 4 more of 10 accessors at each read until all are. */
function progressingStatusApi() {
  let reads = 0;
  return createServer((_request, response) => {
    const invited = Math.min(10, 4 * ++reads);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        requestId: 'R1',
        status: invited === 10 ? 'Succeeded' : 'Running',
        accessors: { total: 10, invited, skipped: 0, pending: 10 - invited, failed: 0 },
        failures: [],
      }),
    );
  });
}

async function follow(server: Server) {
  const lines: string[] = [];
  const baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const result = await followRequests(['R1'], 10, {
    endpoint: { baseUrl, sign: sendUnsigned, timeoutMs: 2_000 },
    display: new StatusDisplay({ write: (text: string) => void lines.push(text), isTTY: false }),
    sleep: async () => undefined,
  });
  return { result, log: lines.join('') };
}

describe('followRequests off a terminal', () => {
  let server: Server;
  after(() => server.close());

  it('prints a plain progress line now and then, as settled accessors change', async () => {
    server = progressingStatusApi();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const lines: string[] = [];
    let clock = 0;
    const display = new StatusDisplay(
      { write: (text: string) => void lines.push(text), isTTY: false },
      { now: () => clock, intervalMs: 10_000 },
    );

    const result = await followRequests(['R1'], 10, {
      endpoint: {
        baseUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        sign: sendUnsigned,
        timeoutMs: 2_000,
      },
      display,
      sleep: async (ms) => {
        clock += ms;
      },
      pollIntervalMs: 10_000,
    });

    assert.equal(result.complete, true);
    assert.deepEqual(
      lines.map((line) => line.replace(/^\[[#.]+\] /, '')),
      // The first read comes before the output was quiet for 10 s.
      [
        '8 of 10 invited  0 skipped  0 failed  2 pending\n',
        '10 of 10 invited  0 skipped  0 failed  0 pending\n',
      ],
    );
  });
});

describe('followRequests when the status API fails', () => {
  const servers: Server[] = [];
  const start = async (server: Server) => {
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return server;
  };
  after(() => {
    for (const server of servers) server.close();
  });

  it('gives a Running request up after failed polls and reports it, without reading its accessors', async () => {
    const { result, log } = await follow(
      await start(flakyStatusApi({ status: 'Running', failed: 2 })),
    );

    assert.deepEqual(result.unfollowed, ['R1']);
    assert.equal(result.complete, false);
    assert.deepEqual(result.notInvited, []);
    assert.match(log, /request R1: cannot follow it/);
  });

  it('reports a settled request whose accessors cannot be listed as not followed, instead of failing the run', async () => {
    const { result, log } = await follow(
      await start(flakyStatusApi({ status: 'CompletedWithErrors', failed: 2 })),
    );

    assert.deepEqual(result.unfollowed, ['R1']);
    assert.equal(result.complete, false);
    assert.match(log, /request R1: cannot list its failed accessors/);
  });
});

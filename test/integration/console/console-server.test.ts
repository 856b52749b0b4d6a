import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import {
  type ConsoleContext,
  INVITE_TEXT,
  startConsoleContext,
  UNKNOWN_SPACE,
} from '../../helpers/console.ts';
import { sendRaw } from '../../helpers/raw-http.ts';

/** More failed accessors than one page of the status API holds. */
const FAILED_IDS = Array.from({ length: 1_205 }, (_, index) => `person-${index}@example.com`);

/** A raw request, so the test chooses the Host and Origin headers itself. */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? 'GET', headers: options.headers },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });
}

describe('the console server', () => {
  let context: ConsoleContext;
  let failedRequestId: string;

  before(async () => {
    context = await startConsoleContext();
    failedRequestId = await context.invite(UNKNOWN_SPACE, FAILED_IDS);
    // Both chunks fail for good (the simulator does not know the space): wait for their records.
    for (const deadline = Date.now() + 20_000; ; ) {
      const status = await context.backend.api.status(failedRequestId);
      if (status?.status.status === 'Failed') break;
      assert.ok(Date.now() < deadline, 'the request did not fail in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  after(() => context?.stop());

  it('listens on 127.0.0.1 only', async () => {
    // Prepare
    const { port } = context.server;
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .filter((address) => address !== undefined && !address.internal)
      .map((address) => address?.address as string);

    // Act
    const answers = await Promise.all(elsewhere.map((host) => refused(host, port)));

    // Assess: the URL names the address the server is bound to.
    assert.equal(new URL(context.server.url).hostname, '127.0.0.1');
    assert.deepEqual(
      answers,
      elsewhere.map(() => true),
    );
    assert.equal(await refused('::1', port), true);
  });

  it("answers the redrive's progress alone without reading the dead-letter queue", async () => {
    // Prepare
    const backend = context.backend;
    const read = backend.deadLetters;
    let reads = 0;
    backend.deadLetters = () => {
      reads++;
      return read.call(backend);
    };

    // Act
    const progress = await send(`${context.server.url}/dead-letters/redrive/progress`, {});
    const whole = await send(`${context.server.url}/dead-letters`, {});
    backend.deadLetters = read;

    // Assess
    assert.equal(progress.status, 200);
    assert.match(progress.text, /^<section id="redrive"/);
    assert.equal(whole.status, 200);
    assert.equal(reads, 1, 'only the whole page read the dead letters');
  });

  it('answers 400 to a page cursor it did not hand out, rather than asking the table with it', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = [
      // Over DynamoDB's 1,024-byte sort key, which it would refuse with a 500.
      { day: '2026-12-01', after: `2026-12-01T10:00:00.000Z#${'x'.repeat(1_100)}` },
      { day: '2026-12-01', after: '2026-11-30T10:00:00.000Z#request-1' },
      { day: '2026-12-01', after: 'REQUEST' },
    ];

    for (const value of forged) {
      const answer = await fetch(`${context.server.url}/requests?cursor=${cursor(value)}`);
      assert.equal(answer.status, 400, JSON.stringify(value).slice(0, 80));
      await answer.text();
    }
  });

  it('answers 404 to a path that reads as another host, instead of dropping the connection', async () => {
    for (const path of ['//x:99999/', '//[']) {
      const exchange = await sendRaw(context.server.port, [
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${context.server.port}\r\nConnection: close\r\n\r\n`,
      ]);
      assert.deepEqual(
        exchange.responses.map((response) => response.status),
        [404],
        path,
      );
    }
  });

  it('refuses a Host other than localhost, 127.0.0.1 or [::1]', async () => {
    // Act
    const foreign = await send(`${context.server.url}/requests`, {
      headers: { host: 'evil.example:8080' },
    });
    const local = await send(`${context.server.url}/requests`, {
      headers: { host: `localhost:${context.server.port}` },
    });

    // Assess
    assert.equal(foreign.status, 403);
    assert.equal(local.status, 200);
  });

  it('answers a page asked for by its own pages or opened directly, not one another site asks for', async () => {
    // Act: what browsers send as Sec-Fetch-Site; curl and other clients send none.
    const statuses: Record<string, number> = {};
    for (const site of ['cross-site', 'same-site', 'same-origin', 'none', undefined]) {
      const headers: Record<string, string> = site === undefined ? {} : { 'sec-fetch-site': site };
      const answer = await send(`${context.server.url}/dead-letters`, { headers });
      statuses[site ?? 'not sent'] = answer.status;
    }

    // Assess
    assert.deepEqual(statuses, {
      'cross-site': 403,
      'same-site': 403,
      'same-origin': 200,
      none: 200,
      'not sent': 200,
    });
  });

  it('refuses a POST without its own Origin, and one without the form token', async () => {
    // Prepare
    const url = `${context.server.url}/dead-letters/redrive`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const confirm = await send(url, {});
    const token = /name="csrf" value="([^"]+)"/.exec(confirm.text)?.[1] ?? '';

    // Act
    const missing = await send(url, { method: 'POST', headers: form, body: `csrf=${token}` });
    const foreign = await send(url, {
      method: 'POST',
      headers: { ...form, origin: 'http://evil.example' },
      body: `csrf=${token}`,
    });
    const otherPort = await send(url, {
      method: 'POST',
      headers: { ...form, origin: 'http://127.0.0.1:1' },
      body: `csrf=${token}`,
    });
    const noToken = await send(url, {
      method: 'POST',
      headers: { ...form, origin: context.server.url },
      body: 'csrf=guess',
    });

    // Assess
    assert.equal(token.length > 20, true);
    assert.deepEqual(
      [missing.status, foreign.status, otherPort.status, noToken.status],
      [403, 403, 403, 403],
    );
    assert.equal(context.backend.redrive.state().startedAt, undefined);
  });

  it('serves the CSV with its content type and every failed accessor, across the API’s pages', async () => {
    // Act
    const response = await fetch(
      `${context.server.url}/requests/${failedRequestId}/accessors.csv?status=failed`,
    );
    const text = await response.text();

    // Assess
    const [header, ...rows] = text.trimEnd().split('\r\n');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=utf-8');
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /^attachment; filename=".+-failed\.csv"$/,
    );
    assert.equal(header, 'accessorId,errorType,errorMessage');
    assert.deepEqual(rows.map((row) => row.split(',')[0]).sort(), [...FAILED_IDS].sort());
  });

  it('finds accessors by search over every page, and answers 404 for an unknown request', async () => {
    // Act
    const search = await fetch(
      `${context.server.url}/requests/${failedRequestId}?kind=failed&q=person-1204`,
    );
    const unknown = await fetch(`${context.server.url}/requests/no-such-request`);

    // Assess
    assert.equal(search.status, 200);
    assert.match(
      await search.text(),
      /1 match among 1,205 failed accessors[\s\S]*person-1204@example\.com/,
    );
    assert.equal(unknown.status, 404);
  });

  it('serves the rate page from the local stack’s counters', async () => {
    // Act
    const response = await fetch(`${context.server.url}/rate`);

    // Assess
    assert.equal(response.status, 200);
    assert.match(await response.text(), /the local stack&#39;s counters/);
  });

  it('never logs an accessor ID, a title or a body', async () => {
    // Prepare
    await fetch(`${context.server.url}/requests/${failedRequestId}/nope`);
    await fetch(`${context.server.url}/dead-letters`);

    // Act
    const logged = context.logs.join('\n');

    // Assess
    assert.ok(!logged.includes('@example.com'), logged);
    assert.ok(!logged.includes(INVITE_TEXT.title) && !logged.includes(INVITE_TEXT.body), logged);
  });
});

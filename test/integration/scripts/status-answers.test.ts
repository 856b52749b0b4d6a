import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { sendUnsigned } from '../../../scripts/lib/sign-request.ts';
import { getRequestStatus } from '../../../scripts/lib/status-client.ts';
import { main } from '../../../scripts/status.ts';

type Answer = (response: ServerResponse) => void;

function json(statusCode: number, body: unknown): Answer {
  return (response) => {
    response.writeHead(statusCode, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

function text(statusCode: number, body: string, contentType = 'text/html'): Answer {
  return (response) => {
    response.writeHead(statusCode, { 'content-type': contentType });
    response.end(body);
  };
}

const STATUS = {
  requestId: 'R1',
  spaceId: 'SPACE1',
  source: 'http',
  requestedBy: 'anonymous',
  status: 'CompletedWithErrors',
  createdAt: '2026-12-01T09:00:00.000Z',
  updatedAt: '2026-12-01T09:00:01.000Z',
  expiresAt: '2026-12-31T09:00:00.000Z',
  accessors: { total: 3, invited: 1, skipped: 1, pending: 0, failed: 1 },
  failures: [{ errorType: 'AccessDeniedException', errorMessage: 'no', accessorCount: 1 }],
};

const PIPELINE_NOT_FOUND = {
  message: 'Request R1 not found; records are kept for a limited time',
  resourceId: 'R1',
  resourceType: 'request',
};

describe('npm run status against what a URL answers', () => {
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    const answer = request.url?.includes('/accessors') ? answers.accessors : answers.status;
    answer(response);
  });
  let paths: string[] = [];
  let answers: { status: Answer; accessors: Answer };
  let base: string;

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  beforeEach(() => {
    paths = [];
    answers = { status: json(200, STATUS), accessors: json(200, { items: [] }) };
  });
  after(() => server.close());

  async function status(...argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const exitCode = await main(argv, {
      stdout: { write: (chunk: string) => stdout.push(chunk) },
      stderr: { write: (chunk: string) => stderr.push(chunk) },
      env: {},
      sleep: async () => undefined,
    });
    return { exitCode, stdout: stdout.join(''), stderr: stderr.join('') };
  }

  const endpoint = () => ({ baseUrl: new URL(base), sign: sendUnsigned, timeoutMs: 5_000 });

  it('prints a request status the API answers', async () => {
    const { exitCode, stdout } = await status('--url', base, 'R1');

    assert.equal(exitCode, 0);
    assert.match(stdout, /Accessors {3}3: 1 invited, 1 skipped, 0 pending, 1 failed\n/);
  });

  it('tries the status again after a throttle or a passing 5xx, as it does a page', async () => {
    const throttledOnce = json(429, { message: 'Too Many Requests' });
    const ok = json(200, STATUS);
    let reads = 0;
    answers.status = (response) => (reads++ === 0 ? throttledOnce : ok)(response);

    const { exitCode, stdout } = await status('--url', base, 'R1');

    assert.equal(exitCode, 0);
    assert.equal(reads, 2);
    assert.match(stdout, /Status {6}CompletedWithErrors/);
  });

  it('refuses --json with --accessors, before any call', async () => {
    const { exitCode, stderr } = await status(
      '--url',
      base,
      'R1',
      '--json',
      '--accessors',
      'failed',
    );

    assert.equal(exitCode, 2);
    assert.match(stderr, /--json prints the status; --accessors prints CSV: pass one of them/);
    assert.deepEqual(paths, []);
  });

  it('reports the pipeline’s own 404 as a request it does not know', async () => {
    answers.status = json(404, PIPELINE_NOT_FOUND);

    const { exitCode, stderr } = await status('--url', base, 'R1');
    const answer = await getRequestStatus(endpoint(), 'R1');

    assert.equal(exitCode, 1);
    assert.equal(stderr, `status: ${PIPELINE_NOT_FOUND.message}\n`);
    assert.equal(answer.kind, 'notFound');
  });

  for (const [name, answer] of [
    ['a gateway route miss', json(404, { message: 'Not Found' })],
    ['an HTML page', text(404, '<html><body><h1>404 Not Found</h1></body></html>')],
    ['an empty body', text(404, '')],
  ] as const) {
    it(`says a 404 with ${name} is not the pipeline’s API, naming the URL, instead of a request not found`, async () => {
      answers.status = answer;

      const { exitCode, stderr } = await status('--url', `${base}/prod`, 'R1');
      const read = await getRequestStatus(
        { ...endpoint(), baseUrl: new URL(`${base}/prod`) },
        'R1',
      );

      assert.equal(exitCode, 1);
      assert.match(
        stderr,
        /^status: http:\/\/127\.0\.0\.1:\d+\/prod\/requests\/R1 answered HTTP 404.*does not look like the pipeline's API: check --url\n$/,
      );
      assert.deepEqual(paths, ['/prod/requests/R1', '/prod/requests/R1']);
      // follow-requests gives such a request up at once, as it did when this was a notFound.
      assert.equal(read.kind, 'error');
      assert.equal(read.kind === 'error' && read.retryable, false);
    });
  }

  for (const body of [{ accessors: {} }, { ...STATUS, failures: undefined }, [STATUS]]) {
    it(`refuses a 200 that is not a request status (${JSON.stringify(body).slice(0, 30)}) in one line`, async () => {
      answers.status = json(200, body);

      const { exitCode, stdout, stderr } = await status('--url', base, 'R1');
      const read = await getRequestStatus(endpoint(), 'R1');

      assert.equal(exitCode, 1);
      assert.equal(stdout, '');
      assert.equal(
        stderr,
        `status: ${base}/requests/R1 answered HTTP 200 but not with a request status, which does not look like the pipeline's API: check --url\n`,
      );
      assert.equal(read.kind, 'error');
      assert.equal(read.kind === 'error' && read.retryable, false);
    });
  }

  it('refuses a 200 whose counts are not numbers', async () => {
    answers.status = json(200, { ...STATUS, accessors: { ...STATUS.accessors, failed: '1' } });

    const { exitCode, stderr } = await status('--url', base, 'R1', '--json');

    assert.equal(exitCode, 1);
    assert.match(stderr, /answered HTTP 200 but not with a request status/);
  });

  for (const [answer, expected] of [
    [json(500, { message: 'Internal error' }), 'HTTP 500: Internal error'],
    [text(500, ''), 'HTTP 500'],
    [json(403, { message: 'Forbidden' }), 'HTTP 403: Forbidden'],
    [text(403, ''), 'HTTP 403'],
    [
      text(
        502,
        '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body></body>\r\n</html>',
      ),
      'HTTP 502: 502 Bad Gateway',
    ],
    [text(503, `upstream\u001b[31m down\n${'x'.repeat(400)}`, 'text/plain'), /^HTTP 503: upstream/],
  ] as const) {
    it(`names the status once, with the API's message or a one-line excerpt: ${String(expected).slice(0, 30)}`, async () => {
      answers.status = answer;

      const { exitCode, stderr } = await status('--url', base, 'R1');

      assert.equal(exitCode, 1);
      const line = stderr.replace(/^status: /, '').replace(/\n$/, '');
      if (typeof expected === 'string') assert.equal(line, expected);
      else assert.match(line, expected);
      assert.doesNotMatch(line, /\p{Cc}/u);
      assert.ok(line.length < 250, `${line.length} characters`);
      assert.equal(line.match(/HTTP \d{3}/g)?.length, 1);
    });
  }

  it('names the status once when the accessors cannot be listed', async () => {
    answers.accessors = text(403, '');

    const { exitCode, stderr } = await status('--url', base, 'R1', '--accessors', 'failed');

    assert.equal(exitCode, 1);
    assert.equal(
      stderr,
      'status: the CSV holds only the first 0 failed accessors; it is incomplete\n' +
        'status failed: Could not list the failed accessors of R1: HTTP 403\n',
    );
  });
});

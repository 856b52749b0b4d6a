import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { LOCAL_DEMO_SPACE_ID } from '../../../infra/local/local-config.ts';
import {
  hasValidSignature,
  type ReceivedRequest,
} from '../../../infra/local/repostspace-simulator/verify-sigv4.ts';
import type { LocalStack } from '../../../infra/local/stack.ts';
import { main } from '../../../scripts/invite.ts';
import { dryRunTotals } from '../../../scripts/lib/invite-report.ts';
import { type InviteIo, type InviteReport, runInvite } from '../../../scripts/lib/run-invite.ts';
import { main as status } from '../../../scripts/status.ts';
import { startTestStack, tempStateDir } from '../../helpers/local-stack.ts';
import { runScript } from '../../helpers/run-script.ts';
import { TEST_CREDENTIALS } from '../../helpers/sqs.ts';

const SPACE = LOCAL_DEMO_SPACE_ID;
// Allowed by the intake but unknown to the simulator: every call for it answers 404.
const GONE_SPACE = 'SPGONE000000000000000000';

/** What the front proxy does with one request: pass it to the stack, drop it, or answer it. */
type Verdict =
  | 'forward'
  | 'drop'
  /** Forwarded to the stack, which accepts it; the answer is then lost on the way back. */
  | 'forward-then-drop'
  /**
   * Forwarded to the stack, which accepts it; answered with the 503 of a request of which only
   * part 1 of 2 was queued, under the request ID the stack gave.
   */
  | 'forward-as-partial'
  | { status: number; headers?: Record<string, string>; body: unknown };

/**
 * An HTTP server in front of the local stack's API that records every request and, request by
 * request, forwards it, drops the connection, or answers in the intake's place.
 */
async function startFrontProxy(target: string) {
  const received: ReceivedRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  let script: (request: ReceivedRequest, index: number) => Verdict = () => 'forward';

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const body = await text(request);
    const entry = {
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
    };
    received.push(entry);
    const verdict = script(entry, received.length);
    if (verdict === 'drop') {
      request.socket.destroy();
      return;
    }
    if (typeof verdict === 'object') {
      response.writeHead(verdict.status, {
        'content-type': 'application/json',
        ...verdict.headers,
      });
      response.end(JSON.stringify(verdict.body));
      return;
    }
    const forwarded: Record<string, string> = {};
    for (const name of ['content-type', 'idempotency-key']) {
      const value = request.headers[name];
      if (typeof value === 'string') forwarded[name] = value;
    }
    const answer = await fetch(`${target}${entry.url}`, {
      method: entry.method,
      headers: forwarded,
      ...(entry.method === 'GET' ? {} : { body }),
    });
    if (verdict === 'forward-then-drop') {
      await answer.text();
      request.socket.destroy();
      return;
    }
    if (verdict === 'forward-as-partial') {
      const { requestId } = (await answer.json()) as { requestId: string };
      response.writeHead(503, {
        'content-type': 'application/json',
        'retry-after': '1',
        'x-amzn-errortype': 'ServiceUnavailableException',
      });
      response.end(
        JSON.stringify({
          message: '1 of 2 parts could not be queued; retry the request',
          retryable: true,
          requestId,
          queuedParts: [1],
          failedParts: [2],
        }),
      );
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of ['content-type', 'x-amzn-errortype', 'retry-after', 'idempotent-replayed']) {
      const value = answer.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    response.writeHead(answer.status, headers);
    response.end(await answer.text());
  }

  const server: Server = createServer((request, response) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    response.on('close', () => inFlight--);
    handle(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    peak: () => peak,
    /** Replaces the script and forgets what was received. */
    reset(next: (request: ReceivedRequest, index: number) => Verdict = () => 'forward') {
      script = next;
      received.length = 0;
      peak = 0;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function recorder() {
  const chunks: string[] = [];
  return { chunks, write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

describe('npm run invite against the local stack', () => {
  const state = tempStateDir();
  let stack: LocalStack;
  let proxy: Awaited<ReturnType<typeof startFrontProxy>>;

  before(async () => {
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      LOCAL_THROTTLE_RATE: '50',
      LOCAL_THROTTLE_BURST: '10',
      ALLOWED_SPACE_IDS: `${SPACE},${GONE_SPACE}`,
      LOCAL_KNOWN_SPACE_IDS: SPACE,
    });
    proxy = await startFrontProxy(stack.httpUrl);
  });
  after(async () => {
    // Each only if it started: a failed start must not leave the rest running.
    await proxy?.stop();
    await stack?.stop();
    state.cleanup();
  });

  function ids(prefix: string, count: number): string[] {
    return Array.from({ length: count }, (_, index) => `${prefix}-${index}@example.com`);
  }

  function idFile(name: string, lines: string[]): string {
    const path = join(state.path, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  /** `npm run invite`'s arguments through the proxy: a file of IDs titled 'Hi', then `extra`. */
  function cliArgs(space: string, file: string, ...extra: string[]): string[] {
    return [
      '--url',
      proxy.url,
      '--space',
      space,
      '--file',
      file,
      '--title',
      'Hi',
      '--body',
      'Join',
      ...extra,
    ];
  }

  /** Runs `npm run invite` through the proxy on a file of `accessors`, titled 'Hi'. */
  function inviteFile(
    name: string,
    accessors: string[],
    out: InviteIo,
    extra: { spaceId?: string; wait?: boolean } = {},
  ) {
    return runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile(`${name}.txt`, accessors),
        title: 'Hi',
        body: 'Join',
        ...extra,
      },
      out,
    );
  }

  function io(overrides: Pick<Partial<InviteIo>, 'env'> = {}) {
    const stdout = recorder();
    const stderr = recorder();
    const sleeps: number[] = [];
    return {
      stdout,
      stderr,
      sleeps,
      env: { AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId },
      credentials: async () => TEST_CREDENTIALS,
      sleep: async (ms: number) => {
        sleeps.push(ms);
      },
      ...overrides,
    };
  }

  /**
   * Waits until the simulator got each of `accessorIds`, whatever else earlier tests still have
   * under way, then checks each came once.
   */
  async function assertDeliveredOnce(accessorIds: string[]) {
    const simulator = stack.simulator;
    assert.ok(simulator);
    const signal = AbortSignal.timeout(30_000);
    while (accessorIds.some((id) => simulator.deliveries.count(SPACE, id) === 0)) {
      // One more delivery, of these or of anything else, and look again.
      await simulator.waitForDeliveredAccessors(simulator.stats().deliveredAccessors + 1, {
        signal,
      });
    }
    assert.equal(simulator.stats().duplicateAccessors, 0);
    for (const id of accessorIds) assert.equal(simulator.deliveries.count(SPACE, id), 1, id);
  }

  it('sends signed requests, a few at a time, and every accessor is invited exactly once', async () => {
    proxy.reset();
    const accessors = ids('staff', 2_500);
    const file = idFile('staff.txt', ['# all staff', ...accessors, '', accessors[0] as string]);
    const out = io();

    const report = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file,
        title: 'Welcome 👋',
        body: 'Join our space',
        idsPerRequest: 1_000,
        concurrency: 2,
      },
      out,
    );

    await assertDeliveredOnce(accessors);
    assert.deepEqual(
      {
        accepted: report.requestsAccepted,
        failed: report.requestsFailed,
        accessors: report.accessorsAccepted,
        messages: report.messagesQueued,
        duplicates: report.duplicatesSkipped,
        signed: report.signed,
      },
      { accepted: 3, failed: 0, accessors: 2_500, messages: 3, duplicates: 1, signed: true },
    );
    assert.equal(new Set(report.requestIds).size, 3);
    assert.equal(proxy.received.length, 3);
    assert.ok(proxy.peak() <= 2, `at most 2 requests in flight, saw ${proxy.peak()}`);
    for (const request of proxy.received) {
      assert.equal(request.url, `/spaces/${SPACE}/invite`);
      assert.equal(
        await hasValidSignature(request, TEST_CREDENTIALS, 'us-east-1', 'execute-api'),
        true,
      );
    }
    const lines = out.stdout.text().split('\n');
    assert.equal(lines.filter((line) => / accepted: /.test(line)).length, 3);
    assert.match(
      out.stdout.text(),
      /Requests accepted {3}3 of 3\nAccessors accepted {2}2,500 of 2,500\nMessages queued {5}3\n/,
    );
  });

  it('retries a 503, waiting as long as Retry-After says, and the request lands once', async () => {
    proxy.reset((_request, index) =>
      index === 1
        ? {
            status: 503,
            headers: { 'retry-after': '2', 'x-amzn-errortype': 'ServiceUnavailableException' },
            body: {
              message: '1 of 1 parts could not be queued; retry the request',
              retryable: true,
            },
          }
        : 'forward',
    );
    const accessors = ids('retry', 30);
    const out = io();

    const report = await inviteFile('retry', accessors, out);

    await assertDeliveredOnce(accessors);
    assert.equal(report.requestsAccepted, 1);
    assert.equal(report.requests[0]?.attempts, 2);
    assert.equal(proxy.received.length, 2);
    assert.equal(out.sleeps.length, 1);
    assert.ok((out.sleeps[0] ?? 0) >= 2_000 && (out.sleeps[0] ?? 0) < 2_500, String(out.sleeps[0]));
    assert.match(
      out.stdout.text(),
      /request 1\/1: HTTP 503 ServiceUnavailableException: 1 of 1 parts could not be queued; retry the request; retrying in 2\.\d s \(attempt 2 of 5\)/,
    );
  });

  it('follows a request still partly queued after its retries, and never lists its accessors to send again', async () => {
    proxy.reset((request) => (request.method === 'POST' ? 'forward-as-partial' : 'forward'));
    const accessors = ids('partly', 20);
    const out = io();

    const report = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('partly.txt', accessors),
        title: 'Welcome',
        body: 'Join our space',
        wait: true,
        pollIntervalMs: 50,
      },
      out,
    );

    await assertDeliveredOnce(accessors);
    const [request] = report.requests;
    assert.equal(request?.status, 'failed');
    assert.equal(request?.attempts, 5);
    assert.deepEqual(request?.partlyQueued, { queuedParts: [1], failedParts: [2] });
    assert.ok(request?.requestId, 'the request ID of the 503 is kept');
    assert.deepEqual(report.failedAccessorIds, [], 'queued accessors are not to be sent again');
    assert.equal(report.outcome?.invited, accessors.length, 'its status was followed');
    assert.deepEqual(report.outcome?.notInvited, []);
    assert.match(
      out.stdout.text(),
      new RegExp(`1 of 2 parts were queued as request ${request?.requestId}`),
    );
  });

  it('retries a dropped connection', async () => {
    proxy.reset((_request, index) => (index === 1 ? 'drop' : 'forward'));
    const accessors = ids('dropped', 10);

    const report = await inviteFile('dropped', accessors, io());

    await assertDeliveredOnce(accessors);
    assert.equal(report.requestsAccepted, 1);
    assert.equal(report.requests[0]?.attempts, 2);
  });

  it('retries a request whose answer was lost with the same Idempotency-Key, and the accessors are queued once', async () => {
    proxy.reset((_request, index) => (index === 1 ? 'forward-then-drop' : 'forward'));
    const accessors = ids('lost-answer', 25);

    const report = await inviteFile('lost-answer', accessors, io());

    await assertDeliveredOnce(accessors);
    assert.equal(report.requestsAccepted, 1);
    assert.equal(report.requests[0]?.attempts, 2);
    assert.equal(report.requests[0]?.replayed, true);
    const keys = proxy.received.map((request) => request.headers['idempotency-key']);
    assert.equal(keys.length, 2);
    assert.equal(keys[0], keys[1]);
    assert.equal(stack.simulator?.deliveries.duplicates().length, 0);
  });

  it('lists a request whose every answer was lost as uncertain, not failed: it was queued', async () => {
    proxy.reset(() => 'forward-then-drop');
    const accessors = ids('all-lost', 5);

    const report = await inviteFile('all-lost', accessors, io());

    // The stack accepted it each time; the command never heard so.
    await assertDeliveredOnce(accessors);
    assert.equal(report.requests[0]?.status, 'failed');
    assert.equal(report.requests[0]?.mayBeQueued, true);
    assert.deepEqual(report.failedAccessorIds, []);
    assert.deepEqual(report.uncertainAccessorIds, accessors);
  });

  it('with --resume sends a run whose answers were lost again under the same keys: none is queued twice', async () => {
    const accessors = ids('resumed', 12);
    const file = idFile('resumed.txt', accessors);
    const report = join(state.path, 'resumed.json');
    const options = { url: proxy.url, spaceId: SPACE, file, title: 'Hi', body: 'Join' };
    // The stack accepts both requests each time; the command never hears so.
    proxy.reset((request) => (request.method === 'POST' ? 'forward-then-drop' : 'forward'));
    const lost = await runInvite({ ...options, idsPerRequest: 6, report }, io());
    const firstKeys = proxy.received.map((request) => request.headers['idempotency-key']);
    proxy.reset();

    await assert.rejects(
      runInvite({ ...options, idsPerRequest: 4, resume: report }, io()),
      /--resume .*: that run split its accessors otherwise/,
    );
    const resumed = await runInvite({ ...options, idsPerRequest: 6, resume: report, report }, io());

    assert.deepEqual(lost.uncertainAccessorIds, accessors);
    assert.deepEqual(
      resumed.requests.map((request) => [request.status, request.replayed]),
      [
        ['accepted', true],
        ['accepted', true],
      ],
    );
    assert.deepEqual(
      proxy.received.map((request) => request.headers['idempotency-key']).sort(),
      [...new Set(firstKeys)].sort(),
    );
    await assertDeliveredOnce(accessors);
    assert.equal(stack.simulator?.deliveries.duplicates().length, 0);
  });

  it('with --wait follows every request to the end, then lists each accessor not invited with the reason as JSON and CSV, and exits 1', async () => {
    proxy.reset();
    const accessors = ids('waited', 30);
    const reportPath = join(state.path, 'waited.json');
    const out = io();

    const exitCode = await main(
      cliArgs(
        GONE_SPACE,
        idFile('waited.txt', accessors),
        '--ids-per-request',
        '20',
        '--wait',
        '--report',
        reportPath,
      ),
      out,
    );

    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as InviteReport;
    const csv = readFileSync(join(state.path, 'waited.csv'), 'utf8').trim().split('\n');
    assert.equal(exitCode, 1);
    assert.partialDeepStrictEqual(report.outcome, {
      complete: true,
      invited: 0,
      skipped: 0,
      failed: 30,
      pending: 0,
    });
    assert.deepEqual(
      report.outcome?.notInvited.map((row) => row.accessorId).sort(),
      [...accessors].sort(),
    );
    assert.equal(csv[0], 'accessorId,result,errorType,errorMessage,requestId');
    assert.equal(csv.length, 31);
    assert.match(
      csv[1] ?? '',
      /^waited-\d+@example\.com,failed,ResourceNotFoundException,Space SPGONE0+ not found,/,
    );
    assert.match(out.stdout.text(), /Failed\s+30/);
    assert.match(out.stdout.text(), /30 × ResourceNotFoundException: Space SPGONE0+ not found/);
  });

  it('npm run status prints one request, its failures, and its failed accessors as CSV', async () => {
    proxy.reset();
    const accessors = ids('status', 5);
    const report = await inviteFile('status', accessors, io(), { spaceId: GONE_SPACE, wait: true });
    const requestId = report.requestIds[0] ?? '';
    const summary = io();
    const csv = io();
    const unknown = io();
    const usage = io();

    const codes = [
      await status(['--url', proxy.url, requestId], summary),
      await status(['--url', proxy.url, requestId, '--accessors', 'failed'], csv),
      await status(['--url', proxy.url, 'no-such-request'], unknown),
      await status([requestId], usage),
    ];

    assert.deepEqual(codes, [0, 0, 1, 2]);
    assert.match(summary.stdout.text(), new RegExp(`Request     ${requestId}`));
    assert.match(summary.stdout.text(), /Status {6}Failed/);
    assert.match(summary.stdout.text(), /5 × ResourceNotFoundException: Space SPGONE0+ not found/);
    const rows = csv.stdout.text().trim().split('\n');
    assert.equal(rows[0], 'accessorId,errorType,errorMessage');
    assert.deepEqual(
      rows
        .slice(1)
        .map((row) => row.split(',')[0])
        .sort(),
      [...accessors].sort(),
    );
    assert.match(unknown.stderr.text(), /not found/);
    assert.match(usage.stderr.text(), /Pass --url and a request ID/);
  });

  it('with --wait exits 0 once every accessor is invited', async () => {
    proxy.reset();
    const accessors = ids('waited-ok', 12);

    const exitCode = await main(cliArgs(SPACE, idFile('waited-ok.txt', accessors), '--wait'), io());

    await assertDeliveredOnce(accessors);
    assert.equal(exitCode, 0);
  });

  it('with --wait exits 1 when a request was queued but its status cannot be read, and says so', async () => {
    proxy.reset((request) =>
      request.method === 'GET'
        ? { status: 403, body: { message: 'User is not authorized to access this resource' } }
        : 'forward',
    );
    const out = io();
    const accessors = ids('unfollowed', 3);

    const exitCode = await main(cliArgs(SPACE, idFile('unfollowed.txt', accessors), '--wait'), out);

    assert.equal(exitCode, 1);
    assert.match(out.stdout.text(), /Still pending {7}3 \(stopped waiting\)/);
    assert.match(
      out.stdout.text(),
      /Not followed {8}1 request\(s\) whose status could not be read/,
    );
  });

  it('--dry-run --wait exits 0: a dry run has nothing to wait for, and says it invites no one', async () => {
    proxy.reset();
    const out = io();

    const exitCode = await main(
      cliArgs(SPACE, idFile('dry-wait.txt', ids('dry-wait', 4)), '--dry-run', '--wait'),
      out,
    );

    assert.equal(exitCode, 0);
    assert.match(out.stdout.text(), /^Dry run: checking 4 accessors for SP\w+ in 1 request/m);
    assert.doesNotMatch(out.stdout.text(), /Inviting/);
  });

  it('reports a 400 with its message and fields, never retries it, and exits 1', async () => {
    proxy.reset((_request, index) =>
      index === 2
        ? {
            status: 400,
            headers: { 'x-amzn-errortype': 'ValidationException' },
            body: {
              message: 'Invalid input in accessorIds',
              reason: 'fieldValidationFailed',
              fieldList: [{ name: 'accessorIds[3]', message: 'accessor ID must not be empty' }],
            },
          }
        : 'forward',
    );
    const accessors = ids('partial', 30);
    const reportPath = join(state.path, 'partial-report.json');
    const out = io();

    const exitCode = await main(
      [
        ...['--url', proxy.url, '--space', SPACE, '--file', idFile('partial.txt', accessors)],
        ...['--title', 'Hi', '--body', 'Join', '--ids-per-request', '10', '--concurrency', '1'],
        ...['--report', reportPath],
      ],
      out,
    );

    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as InviteReport;
    await assertDeliveredOnce([...accessors.slice(0, 10), ...accessors.slice(20)]);
    assert.equal(exitCode, 1);
    assert.equal(proxy.received.length, 3);
    assert.equal(report.requestsFailed, 1);
    assert.deepEqual(report.failedAccessorIds, accessors.slice(10, 20));
    assert.match(report.requests[1]?.idempotencyKey ?? '', /^invite-[0-9a-f-]{36}-2$/);
    assert.deepEqual(report.requests[1], {
      index: 2,
      firstAccessor: 11,
      accessorCount: 10,
      status: 'failed',
      attempts: 1,
      idempotencyKey: report.requests[1]?.idempotencyKey,
      httpStatus: 400,
      errorType: 'ValidationException',
      message: 'Invalid input in accessorIds',
      fieldList: [{ name: 'accessorIds[3]', message: 'accessor ID must not be empty' }],
    });
    assert.equal(report.requestIds.length, 2);
    assert.match(
      out.stdout.text(),
      /Failures {12}1\n {2}request 2 \(accessors 11–20\): HTTP 400 ValidationException: Invalid input in accessorIds\n {4}accessorIds\[3\]: accessor ID must not be empty\n/,
    );
  });

  it("fails without retrying when the intake refuses the space (the stack's own 403)", async () => {
    proxy.reset();
    const out = io();

    const report = await runInvite(
      {
        url: proxy.url,
        spaceId: 'SPACE_NOT_ALLOWED',
        file: idFile('other-space.txt', ids('other', 3)),
        title: 'Hi',
        body: 'Join',
      },
      out,
    );

    assert.equal(report.requestsFailed, 1);
    assert.equal(report.requests[0]?.httpStatus, 403);
    assert.equal(report.requests[0]?.errorType, 'AccessDeniedException');
    assert.equal(proxy.received.length, 1);
    assert.match(
      out.stdout.text(),
      /request 1\/1 failed: HTTP 403 AccessDeniedException: Space SPACE_NOT_ALLOWED is not in the allowed spaces/,
    );
  });

  it('sends unsigned requests with --no-sign, or by default to loopback without credentials', async () => {
    proxy.reset();
    const first = ids('unsigned', 4);
    const second = ids('unsigned-default', 4);

    await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('unsigned.txt', first),
        title: 'Hi',
        body: 'Join',
        sign: false,
      },
      io(),
    );
    await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('unsigned-default.txt', second),
        title: 'Hi',
        body: 'Join',
      },
      io({ env: {} }),
    );

    await assertDeliveredOnce([...first, ...second]);
    assert.equal(proxy.received.length, 2);
    for (const request of proxy.received) assert.equal(request.headers.authorization, undefined);
  });

  it('sends no new requests once interrupted, and lists the rest as not sent', async () => {
    const interrupt = new AbortController();
    proxy.reset(() => {
      interrupt.abort();
      return 'forward';
    });
    const accessors = ids('interrupted', 30);
    const out = io();

    const report = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('interrupted.txt', accessors),
        title: 'Hi',
        body: 'Join',
        idsPerRequest: 10,
        concurrency: 1,
      },
      { ...out, signal: interrupt.signal },
    );

    await assertDeliveredOnce(accessors.slice(0, 10));
    assert.equal(proxy.received.length, 1);
    assert.deepEqual(
      report.requests.map((request) => request.status),
      ['accepted', 'not-sent', 'not-sent'],
    );
    assert.deepEqual(report.failedAccessorIds, accessors.slice(10));
    assert.match(out.stdout.text(), /request 2 \(accessors 11–20\): not sent \(interrupted\)/);
  });

  /** Runs the command on a file holding `content`, through the proxy. */
  async function inviteFromFile(name: string, content: string) {
    proxy.reset();
    const file = join(state.path, name);
    writeFileSync(file, content);
    const out = io();
    const exitCode = await main(
      ['--url', proxy.url, '--space', SPACE, '--file', file, '--title', 'Hi', '--body', 'Join'],
      out,
    );
    return { exitCode, stderr: out.stderr.text() };
  }

  it('exits 2 naming the line of an invalid ID, before sending anything', async () => {
    const content = 'accessorId,name\nalice,Alice\n"bob\u0007",Bob\n';

    const { exitCode, stderr } = await inviteFromFile('bad.csv', content);

    assert.equal(exitCode, 2);
    assert.equal(proxy.received.length, 0);
    assert.match(
      stderr,
      /bad\.csv: invalid accessor ID\n {2}line 3: accessor ID must not contain control characters/,
    );
  });

  it('exits 2 on a CSV whose first row is not a recognised header, naming its fields', async () => {
    const content = 'email,name\nalice@example.com,Alice\n';

    const { exitCode, stderr } = await inviteFromFile('people.csv', content);

    assert.equal(exitCode, 2);
    assert.equal(proxy.received.length, 0);
    assert.match(stderr, /people\.csv: line 1: the first row \("email", "name"\)/);
    assert.match(stderr, /Pass --column <name>/);
    assert.match(stderr, /Nothing was sent/);
  });

  // Last: a resend invites people twice on purpose, which the checks above count as duplicates.
  it('--dry-run with a refused request still says nothing was queued, and lists the failure', async () => {
    proxy.reset((_request, index) =>
      index === 2
        ? {
            status: 403,
            headers: { 'x-amzn-errortype': 'AccessDeniedException' },
            body: { message: 'Space SPX is not one this deployment may invite to' },
          }
        : 'forward',
    );
    const out = io();

    const preview = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('dry-refused.txt', ids('dry-refused', 6)),
        title: 'Hi',
        body: 'Join',
        dryRun: true,
        idsPerRequest: 3,
        concurrency: 1,
      },
      out,
    );

    assert.equal(preview.requestsFailed, 1);
    const summary = out.stdout.text();
    assert.match(summary, /Dry run: nothing was queued or recorded\.\n/);
    assert.match(summary, /Would be invited {4}3\n/);
    assert.match(summary, /Failures {12}1\n {2}request 2 \(accessors 4–6\): HTTP 403 /);
    assert.doesNotMatch(summary, /Messages queued|Request IDs/);
  });

  it('--dry-run counts who was invited recently and queues nothing; without --resend they are skipped, with it invited again', async () => {
    const invited = ids('dry-invited', 12);
    const fresh = ids('dry-new', 5);
    proxy.reset();
    assert.equal(await main(cliArgs(SPACE, idFile('first.txt', invited), '--wait'), io()), 0);
    await assertDeliveredOnce(invited);
    proxy.reset();
    const dry = io();

    const preview = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('dry.txt', [...invited, ...fresh]),
        title: 'Hi',
        body: 'Join',
        dryRun: true,
      },
      dry,
    );

    assert.deepEqual(dryRunTotals(preview), { alreadyInvited: 12, wouldInvite: 5 });
    assert.equal(preview.dryRun, true);
    assert.equal(proxy.received.length, 1);
    assert.equal(proxy.received[0]?.headers['idempotency-key'], undefined);
    assert.equal(JSON.parse(String(proxy.received[0]?.body ?? '{}')).dryRun, true);
    assert.match(dry.stdout.text(), /Dry run: nothing was queued or recorded\./);
    assert.match(
      dry.stdout.text(),
      /request 1\/1 checked: 17 accessors, 12 invited recently, 5 would be invited\n/,
    );
    assert.doesNotMatch(dry.stdout.text(), /request ID/);
    assert.match(dry.stdout.text(), /Invited recently {4}12\nWould be invited {4}5\n/);

    const again = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('again.txt', invited),
        title: 'Hi',
        body: 'Join',
        wait: true,
        pollIntervalMs: 20,
      },
      io(),
    );
    assert.equal(again.outcome?.skipped, 12);
    assert.equal(again.outcome?.invited, 0);
    assert.deepEqual(
      new Set(again.outcome?.notInvited.map((row) => `${row.result}:${row.errorType}`)),
      new Set(['skipped:AlreadyInvited']),
    );

    const resent = await runInvite(
      {
        url: proxy.url,
        spaceId: SPACE,
        file: idFile('resend.txt', invited),
        title: 'Hi',
        body: 'Join',
        resend: true,
        wait: true,
        pollIntervalMs: 20,
      },
      io(),
    );
    assert.equal(resent.outcome?.invited, 12);
    const posted = proxy.received.filter((request) => request.method === 'POST').at(-1);
    assert.equal(JSON.parse(String(posted?.body ?? '{}')).resend, true);
    for (const id of invited) assert.equal(stack.simulator?.deliveries.count(SPACE, id), 2, id);
    for (const id of fresh) assert.equal(stack.simulator?.deliveries.count(SPACE, id), 0, id);
  });

  it('prints its usage when run as a command', async () => {
    const { stdout, stderr, exitCode } = await runScript('scripts/invite.ts', ['--help']);

    assert.equal(exitCode, 0, stderr);
    assert.match(stdout, /^Usage: npm run invite -- --url <api base url> --space <spaceId> --file/);
    assert.match(stdout, /--no-sign/);
    assert.match(
      stdout,
      /--no-header +Read the file as CSV, whatever its name, without a header row/,
    );
  });
});

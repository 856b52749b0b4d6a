import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { main } from '../../../scripts/invite.ts';

const SPACE = 'SPexampleA0000000000000';

/** What the fake API answers: a status, its headers and a body (JSON unless a string). */
interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

/**
 * An invite API on a free loopback port: each POST is answered by `post` (a 202 accepting every
 * accessor unless replaced), and `GET /requests/{id}` reports every accessor invited after
 * `runningReads` reads that say Running.
 */
async function startFakeApi() {
  const posts: { accessorIds: string[] }[] = [];
  let post: (index: number) => Answer = accept;
  let runningReads = 0;
  let reads = 0;

  function accept(index: number): Answer {
    const count = posts[index - 1]?.accessorIds.length ?? 0;
    return { status: 202, body: { requestId: `R${index}`, accessorCount: count, messageCount: 1 } };
  }

  function requestStatus(requestId: string): Answer {
    const total = posts[Number(requestId.slice(1)) - 1]?.accessorIds.length ?? 0;
    const running = reads++ < runningReads;
    const invited = running ? Math.floor((total * reads) / (runningReads + 1)) : total;
    return {
      status: 200,
      body: {
        requestId,
        status: running ? 'Running' : 'Succeeded',
        accessors: { total, invited, skipped: 0, pending: total - invited, failed: 0 },
        failures: [],
      },
    };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const body = await text(request);
    let answer: Answer;
    if (request.method === 'POST') {
      posts.push(JSON.parse(body) as { accessorIds: string[] });
      answer = post(posts.length);
    } else {
      answer = requestStatus((request.url ?? '').split('/').at(-1) ?? '');
    }
    const json = typeof answer.body !== 'string';
    response.writeHead(answer.status, {
      ...(json ? { 'content-type': 'application/json' } : {}),
      ...answer.headers,
    });
    response.end(json ? JSON.stringify(answer.body) : answer.body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    /** Answers every POST with `next`, and reads Running `running` times before settling. */
    reset(next: (index: number) => Answer = accept, running = 0) {
      posts.length = 0;
      post = next;
      runningReads = running;
      reads = 0;
    },
    async stop() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function io(overrides: { now?: () => Date; fetch?: typeof fetch } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const sleeps: number[] = [];
  return {
    stdout: { write: (chunk: string) => stdout.push(chunk) },
    stderr: { write: (chunk: string) => stderr.push(chunk) },
    env: {},
    sleep: async (ms: number) => {
      sleeps.push(ms);
    },
    sleeps,
    out: () => stdout.join(''),
    err: () => stderr.join(''),
    ...overrides,
  };
}

describe('npm run invite against a fake invite API', () => {
  let api: Awaited<ReturnType<typeof startFakeApi>>;
  let dir: string;

  before(async () => {
    api = await startFakeApi();
  });
  after(() => api.stop());
  beforeEach(() => {
    api.reset();
    dir = mkdtempSync(join(tmpdir(), 'invite-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, content: string): string {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  }

  function args(ids: string, ...extra: string[]): string[] {
    return ['--url', api.url, '--space', SPACE, '--file', ids, '--title', 'Hi', '--body', 'Join']
      .concat(['--no-sign'])
      .concat(extra);
  }

  describe('--report and --file', () => {
    const IDS = 'alice\nbob\n';

    for (const [label, reportOf] of [
      ['the same path', (ids: string) => ids],
      ['the same file as a ./ relative path', (ids: string) => `./${relative('.', ids)}`],
      ['a link to it', () => join(dir, 'link.txt')],
    ] as const) {
      it(`exits 2 and sends nothing when the report is the accessor file: ${label}`, async () => {
        const ids = file('mine.txt', IDS);
        symlinkSync(ids, join(dir, 'link.txt'));
        const out = io();

        const exitCode = await main(args(ids, '--report', reportOf(ids)), out);

        assert.equal(exitCode, 2);
        assert.equal(api.posts.length, 0);
        assert.equal(readFileSync(ids, 'utf8'), IDS);
        assert.match(out.err(), /--report .* is the accessor file \(--file .*mine\.txt\)/);
        assert.match(out.err(), /Nothing was sent/);
      });
    }

    it('exits 2 with --wait when the CSV beside the report would be the accessor file', async () => {
      const ids = file('hires.csv', `accessorId\n${IDS}`);
      const out = io();

      const exitCode = await main(args(ids, '--report', join(dir, 'hires'), '--wait'), out);

      assert.equal(exitCode, 2);
      assert.equal(api.posts.length, 0);
      assert.equal(readFileSync(ids, 'utf8'), `accessorId\n${IDS}`);
      assert.match(
        out.err(),
        /would write the accessors not invited to .*hires\.csv, the accessor file/,
      );
    });
  });

  it('reads a .txt file as CSV when --column is given, sending only that column', async () => {
    const ids = file('export.txt', 'name,accessorId\nAlice,alice\nBob,bob\n');

    const exitCode = await main(args(ids, '--column', 'accessorId'), io());

    assert.equal(exitCode, 0);
    assert.deepEqual(api.posts[0]?.accessorIds, ['alice', 'bob']);
  });

  describe('the CSV beside the report, with --wait', () => {
    const STALE = 'accessorId,result,errorType,errorMessage,requestId\nold,failed,X,last week,R0\n';

    it('lists the accessors of refused requests, and nothing of an earlier run, when no request was accepted', async () => {
      api.reset(() => ({ status: 400, body: { message: 'Invalid input' } }));
      const report = join(dir, 'out.json');
      writeFileSync(join(dir, 'out.csv'), STALE);

      const exitCode = await main(
        args(file('ids.txt', 'alice\nbob\n'), '--wait', '--report', report),
        io(),
      );

      const rows = readFileSync(join(dir, 'out.csv'), 'utf8').trim().split('\n');
      assert.equal(exitCode, 1);
      assert.deepEqual(rows, [
        'accessorId,result,errorType,errorMessage,requestId',
        'alice,not-accepted,NotAccepted,HTTP 400 Invalid input,',
        'bob,not-accepted,NotAccepted,HTTP 400 Invalid input,',
      ]);
    });

    it('creates the report and its CSV readable by their owner only: they list accessor IDs', {
      skip: process.platform === 'win32' ? 'no POSIX modes' : false,
    }, async () => {
      const report = join(dir, 'private.json');

      const exitCode = await main(
        args(file('ids.txt', 'alice\nbob\n'), '--wait', '--report', report),
        io(),
      );

      assert.equal(exitCode, 0);
      for (const path of [report, join(dir, 'private.csv')]) {
        assert.equal(statSync(path).mode & 0o777, 0o600, path);
      }
    });

    it('holds only its header when every accessor was invited', async () => {
      const report = join(dir, 'out.json');
      writeFileSync(join(dir, 'out.csv'), STALE);

      const exitCode = await main(
        args(file('ids.txt', 'alice\nbob\n'), '--wait', '--report', report),
        io(),
      );

      assert.equal(exitCode, 0);
      assert.equal(
        readFileSync(join(dir, 'out.csv'), 'utf8'),
        'accessorId,result,errorType,errorMessage,requestId\n',
      );
    });
  });

  it('with --wait, dates the report when the following ends, and names the report once', async () => {
    api.reset(undefined, 3);
    let clock = Date.parse('2025-01-01T00:00:00Z');
    const now = () => {
      clock += 1_000;
      return new Date(clock);
    };
    const report = join(dir, 'out.json');
    const out = io({ now });

    const exitCode = await main(args(file('ids.txt', 'a\nb\n'), '--wait', '--report', report), out);

    assert.equal(exitCode, 0);
    // Every status read looks at the clock: the last look is the end of the run.
    const written = JSON.parse(readFileSync(report, 'utf8')) as { finishedAt: string };
    assert.equal(written.finishedAt, new Date(clock).toISOString());
    assert.match(
      out.out(),
      new RegExp(`Request IDs {9}R1 \\(in ${report.replaceAll('.', '\\.')}\\)`),
    );
  });

  it('keeps a request that may have been queued out of failedAccessorIds: a gateway timeout, not the intake’s own 503', async () => {
    const answers: Record<string, Answer> = {
      // API Gateway gave up on the intake, which may have finished: a REST API's 504, and the
      // 503 an HTTP API answers for an integration that timed out.
      alice: { status: 504, body: { message: 'Endpoint request timed out' } },
      carol: { status: 503, body: { message: 'Service Unavailable' } },
      // The intake's own 503: the ledger was down, nothing was queued.
      dave: {
        status: 503,
        headers: { 'x-amzn-errortype': 'ServiceUnavailableException' },
        body: { message: 'The request ledger is unavailable', retryable: true },
      },
      bob: { status: 400, body: { message: 'Invalid request', reason: 'other' } },
    };
    api.reset((index) => answers[api.posts[index - 1]?.accessorIds[0] ?? ''] as Answer);
    const out = io();
    const report = join(dir, 'run.json');

    const exitCode = await main(
      args(
        file('ids.txt', 'alice\nbob\ncarol\ndave\n'),
        '--ids-per-request',
        '1',
        '--wait',
        '--report',
        report,
      ),
      out,
    );

    assert.equal(exitCode, 1);
    const written = JSON.parse(readFileSync(report, 'utf8')) as {
      failedAccessorIds: string[];
      uncertainAccessorIds: string[];
      requests: { mayBeQueued?: boolean }[];
      outcome: { failed: number; unknown: number };
    };
    assert.deepEqual(written.failedAccessorIds, ['bob', 'dave']);
    assert.deepEqual(written.uncertainAccessorIds, ['alice', 'carol']);
    assert.deepEqual(
      written.requests.map((request) => request.mayBeQueued ?? false),
      [true, false, true, false],
    );
    assert.deepEqual([written.outcome.failed, written.outcome.unknown], [2, 2]);
    const csv = readFileSync(join(dir, 'run.csv'), 'utf8');
    assert.match(csv, /^alice,unknown,MayBeQueued,/m);
    assert.match(csv, /^bob,not-accepted,/m);
    assert.match(out.out(), /HTTP 504 Endpoint request timed out .*it may have been queued/);
    assert.match(out.out(), /Unknown +2 \(their request may have been queued\)/);
    assert.ok(out.out().includes(`run the same command again with --resume ${report}, and none`));
  });

  it('with --wait off a terminal, prints a progress line now and then', async () => {
    api.reset(undefined, 3);
    let clock = Date.parse('2025-01-01T00:00:00Z');
    // Every look at the clock is 11 s later: each changed status is due.
    const now = () => {
      clock += 11_000;
      return new Date(clock);
    };
    const out = io({ now });

    const exitCode = await main(args(file('ids.txt', 'a\nb\nc\nd\n'), '--wait'), out);

    assert.equal(exitCode, 0);
    const progress = out
      .out()
      .split('\n')
      .filter((line) => / of 4 invited /.test(line));
    assert.ok(progress.length >= 2, out.out());
    assert.match(progress.at(-1) ?? '', /4 of 4 invited {2}0 skipped {2}0 failed {2}0 pending$/);
  });

  describe('an answer that is not the API’s', () => {
    const PAGE = '<html>\n<body><h1>502 Bad Gateway</h1>\n</body>\n</html>\n';

    it('names a 200 without the intake’s answer once, with its content type', async () => {
      api.reset(() => ({ status: 200, headers: { 'content-type': 'text/html' }, body: PAGE }));
      const out = io();

      const exitCode = await main(args(file('ids.txt', 'alice\n')), out);

      assert.equal(exitCode, 1);
      assert.match(
        out.out(),
        /request 1\/1 failed: HTTP 200 without the intake's answer \(text\/html\); is --url the invite API\?\n/,
      );
      assert.doesNotMatch(out.out(), /HTTP 200 HTTP 200/);
    });

    it('shows an HTML error page as its status and content type, not its markup', async () => {
      api.reset(() => ({
        status: 502,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: PAGE,
      }));
      const out = io();

      const exitCode = await main(args(file('ids.txt', 'alice\n')), out);

      assert.equal(exitCode, 1);
      assert.doesNotMatch(out.out(), /<html|<body/);
      assert.match(
        out.out(),
        /request 1 \(accessors 1–1\): HTTP 502 with a text\/html page, not the API's answer \(after 5 attempts\)\n/,
      );
    });

    it('shows a plain-text body as one short line', async () => {
      const body = `upstream\nfailed ${'x'.repeat(300)}`;
      api.reset(() => ({ status: 400, headers: { 'content-type': 'text/plain' }, body }));
      const out = io();

      await main(args(file('ids.txt', 'alice\n')), out);

      const failure = out
        .out()
        .split('\n')
        .find((line) => line.startsWith('request 1/1 failed'));
      assert.match(
        failure ?? '',
        /^request 1\/1 failed: HTTP 400 upstream failed x+… \(text\/plain\)$/,
      );
      assert.ok((failure?.length ?? 0) < 200, failure);
    });
  });

  it('does not retry a host name that does not resolve, and says to check --url', async () => {
    let calls = 0;
    // What fetch throws when DNS knows no such host.
    const notFound: typeof fetch = async () => {
      calls++;
      const cause = Object.assign(new Error('getaddrinfo ENOTFOUND invite.example.invalid'), {
        code: 'ENOTFOUND',
        syscall: 'getaddrinfo',
        hostname: 'invite.example.invalid',
      });
      throw new TypeError('fetch failed', { cause });
    };
    const out = io({ fetch: notFound });
    const argv = args(file('ids.txt', 'alice\n'));
    argv[1] = 'https://invite.example.invalid';

    const exitCode = await main(argv, out);

    assert.equal(exitCode, 1);
    assert.equal(calls, 1);
    assert.deepEqual(out.sleeps, []);
    assert.match(
      out.out(),
      /request 1\/1 failed: network error: ENOTFOUND \(no host is named invite\.example\.invalid: check --url\)\n/,
    );
  });

  it('retries a host that stops resolving after it answered, as a passing DNS failure', async () => {
    let posts = 0;
    // The second request meets one DNS failure; everything else reaches the fake API.
    const flaky: typeof fetch = async (input, init) => {
      if (init?.method === 'POST' && ++posts === 2) {
        const cause = Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
        throw new TypeError('fetch failed', { cause });
      }
      return fetch(input, init);
    };
    const out = io({ fetch: flaky });
    // Two requests: the intake takes at most 20,000 IDs a request.
    const ids = Array.from({ length: 20_001 }, (_, index) => `person-${index}`).join('\n');

    const exitCode = await main(args(file('ids.txt', `${ids}\n`), '--concurrency', '1'), out);

    assert.equal(exitCode, 0, out.out());
    assert.equal(api.posts.length, 2);
    assert.equal(out.sleeps.length, 1);
  });

  it('says plainly that a missing accessor file does not exist, and exits 2', async () => {
    const out = io();

    const exitCode = await main(args(join(dir, 'nope.txt')), out);

    assert.equal(exitCode, 2);
    assert.match(out.err(), /Cannot read .*nope\.txt: the file does not exist\n/);
  });
});

/**
 * `npm run invite` in a process of its own on two accessors, one request each, against an API
 * that holds the first request's answer until `release`; `stopped(signal)` signals the command
 * once that request is in, and resolves once it says it stops.
 */
async function startHeldRun() {
  const dir = mkdtempSync(join(tmpdir(), 'invite-signal-'));
  const received = Promise.withResolvers<void>();
  const release = Promise.withResolvers<void>();
  const api = createServer(async (request, response) => {
    const { accessorIds } = JSON.parse(await text(request)) as { accessorIds: string[] };
    received.resolve();
    await release.promise;
    response.writeHead(202, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({ requestId: 'R1', accessorCount: accessorIds.length, messageCount: 1 }),
    );
  });
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  const ids = join(dir, 'ids.txt');
  writeFileSync(ids, 'alice\nbob\n');
  const report = join(dir, 'run.json');
  const script = new URL('../../../scripts/invite.ts', import.meta.url).pathname;
  const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  const child = spawn(
    process.execPath,
    [
      script,
      '--url',
      url,
      '--space',
      SPACE,
      '--file',
      ids,
      '--title',
      'Hi',
      '--body',
      'Join',
    ].concat(['--no-sign', '--ids-per-request', '1', '--concurrency', '1', '--report', report]),
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return {
    report,
    exited,
    stderr: () => stderr,
    release: () => release.resolve(),
    kill: (signal: NodeJS.Signals) => child.kill(signal),
    async stopped(signal: NodeJS.Signals) {
      await received.promise;
      const told = Promise.withResolvers<void>();
      const listen = () => stderr.includes(`Interrupted (${signal})`) && told.resolve();
      child.stderr.on('data', listen);
      child.kill(signal);
      listen();
      await Promise.race([
        told.promise,
        exited.then(() => assert.fail(`exited before saying it stops: ${stderr}`)),
      ]);
    },
    async stop() {
      child.kill('SIGKILL');
      api.closeAllConnections();
      api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('npm run invite as a process', () => {
  it('stops on SIGTERM as on Ctrl-C: no new request, and the report written whole', async () => {
    const run = await startHeldRun();
    try {
      await run.stopped('SIGTERM');
      run.release();
      const [code, signal] = await run.exited;

      assert.deepEqual({ code, signal }, { code: 1, signal: null }, run.stderr());
      const written = JSON.parse(readFileSync(run.report, 'utf8')) as {
        unfinished?: boolean;
        requests: { status: string }[];
        failedAccessorIds: string[];
      };
      assert.equal(written.unfinished, undefined);
      assert.deepEqual(
        written.requests.map((request) => request.status),
        ['accepted', 'not-sent'],
      );
      assert.deepEqual(written.failedAccessorIds, ['bob']);
    } finally {
      await run.stop();
    }
  });

  it('quits at once, exit code 130, on a second signal of another kind', async () => {
    const run = await startHeldRun();
    try {
      await run.stopped('SIGTERM');
      // The first request is still held: only quitting ends the command now.
      run.kill('SIGINT');
      const [code, signal] = await run.exited;

      assert.deepEqual({ code, signal }, { code: 130, signal: null }, run.stderr());
    } finally {
      await run.stop();
    }
  });
});

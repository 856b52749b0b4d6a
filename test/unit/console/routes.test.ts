import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import type { ConsoleBackend } from '../../../scripts/console/console-backend.ts';
import { type CsrfToken, refusal } from '../../../scripts/console/guards.ts';
import { requestsMain } from '../../../scripts/console/pages/requests-page.ts';
import { failureReply, routeFor } from '../../../scripts/console/routes.ts';

/** What the error page reads of a backend: where it points. */
function backend(local: boolean): ConsoleBackend {
  return {
    label: local ? 'local stack at http://127.0.0.1:3000' : 'stack s in us-east-1',
    local,
  } as ConsoleBackend;
}

const refused = new TypeError('fetch failed', {
  cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' }),
});

/** A status answer for request req-1 with these counts (the rest 0). */
function statusAnswer(status: string, counts: Partial<Record<string, number>>) {
  return {
    requestId: 'req-1',
    spaceId: 'SP1',
    source: 'http',
    status,
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    expiresAt: '2026-12-31T00:00:00.000Z',
    accessors: { total: 0, invited: 0, skipped: 0, pending: 0, failed: 0, ...counts },
    failures: [],
  };
}

/**
 * A deployed stack's backend: `answer` as the request's status, `allAccessors` as the accessor
 * search, and an empty page of accessors otherwise.
 */
function deployedBackend(
  answer: ReturnType<typeof statusAnswer>,
  allAccessors: () => AsyncGenerator<{ items: { accessorId: string }[] }>,
): ConsoleBackend {
  return {
    label: 'stack s in us-east-1',
    local: false,
    api: {
      status: async () => ({ status: answer, json: JSON.stringify(answer) }),
      allAccessors,
      accessors: async () => ({ items: [] }),
    },
  } as unknown as ConsoleBackend;
}

describe('failureReply', () => {
  it('answers 502 and asks whether npm start is running when the local stack refuses', () => {
    const local = failureReply(refused, backend(true));
    const deployed = failureReply(refused, backend(false));

    assert.equal(local.status, 502);
    assert.match(local.body ?? '', /The pipeline did not answer/);
    assert.match(local.body ?? '', /Is npm start running\?/);
    assert.equal(deployed.status, 502);
    assert.doesNotMatch(deployed.body ?? '', /npm start/);
  });

  it('names what failed, not the error class: the cause of a failed fetch', () => {
    const reply = failureReply(refused, backend(true));

    assert.match(
      reply.body ?? '',
      /local stack at http:\/\/127\.0\.0\.1:3000: connect ECONNREFUSED 127\.0\.0\.1:3000\./,
    );
    assert.doesNotMatch(reply.body ?? '', /TypeError|fetch failed/);
  });
});

describe('the accessor search', () => {
  it('says it stopped early when one page holds more matches than it shows', async () => {
    const items = Array.from({ length: 1_000 }, (_, index) => ({ accessorId: `match-${index}` }));
    const answered = statusAnswer('CompletedWithErrors', { total: 1_000, failed: 1_000 });
    const searched = deployedBackend(answered, async function* () {
      yield { items };
    });
    const route = routeFor('GET', '/requests/req-1');
    assert.ok(route);

    const reply = await route({
      backend: searched,
      csrf: {} as CsrfToken,
      url: new URL('http://127.0.0.1/requests/req-1?q=match'),
    });

    assert.equal(reply.status, 200);
    assert.match(
      reply.body ?? '',
      /500 matches among 1,000 failed accessors \(search stopped early/,
    );
  });
  it('refreshes a running request without searching again: the live part comes from the page without the search', async () => {
    const running = statusAnswer('Running', { total: 2, skipped: 1, pending: 1 });
    let searches = 0;
    const backend = deployedBackend(running, async function* () {
      searches++;
      yield { items: [{ accessorId: 'someone@example.com' }] };
    });
    const route = routeFor('GET', '/requests/req-1');
    assert.ok(route);

    const page = await route({
      backend,
      csrf: {} as CsrfToken,
      url: new URL('http://127.0.0.1/requests/req-1?kind=skipped&q=someone'),
    });
    const from = /data-refresh-from="([^"]+)"/.exec(page.body ?? '')?.[1]?.replaceAll('&amp;', '&');
    assert.ok(from, 'the live part says where it refreshes from');
    await route({ backend, csrf: {} as CsrfToken, url: new URL(from, 'http://127.0.0.1') });

    assert.equal(searches, 1, 'only the page itself searched');
    assert.equal(new URL(from, 'http://127.0.0.1').searchParams.get('kind'), 'skipped');
  });
});

describe('the requests page', () => {
  it('says the filter matched nothing so far, not in 31 days, when it stopped at its read limit', () => {
    const filters = { status: undefined, spaceId: 'SP1', cursor: undefined };

    const stopped = requestsMain({ rows: [], nextCursor: 'more' }, filters).text;
    const done = requestsMain({ rows: [] }, filters).text;

    assert.match(stopped, /among the ones looked at so far/);
    assert.doesNotMatch(stopped, /in the last 31 days/);
    assert.match(done, /No requests match these filters in the last 31 days\./);
  });
});

describe('the console guard', () => {
  /** A request as the console's server receives it. */
  const post = (origin: string, host: string) =>
    ({ method: 'POST', headers: { origin, host } }) as unknown as IncomingMessage;

  it('takes its own origin on port 80, which browsers write without the port, and no other', () => {
    assert.equal(refusal(post('http://127.0.0.1', '127.0.0.1'), 80), undefined);
    assert.equal(refusal(post('http://127.0.0.1:8080', '127.0.0.1:8080'), 8080), undefined);
    assert.ok(refusal(post('http://127.0.0.1', '127.0.0.1:8080'), 8080));
    assert.ok(refusal(post('http://evil.example', '127.0.0.1'), 80));
  });
});

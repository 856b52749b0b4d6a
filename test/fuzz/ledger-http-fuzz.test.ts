import assert from 'node:assert/strict';
import { Agent, METHODS } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { type AttributeValue, type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import type { LocalStack } from '../../infra/local/stack.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { DynamoDbRequestLedger } from '../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import { FuzzRuns } from '../helpers/fuzz-runs.ts';
import { type HttpResponse, sendRequest } from '../helpers/http-request.ts';
import { stackActivity, startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { sendRaw } from '../helpers/raw-http.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const SPACE = 'SPLEDGERFUZZ000000000000';
/** A request the ledger knows, written straight to the stack's table: nothing is queued for it. */
const KNOWN = 'fuzz-known-request';
const KNOWN_FAILED = ['known-failed-1', 'known-failed-2'];
const VALID_INVITE = Buffer.from(
  JSON.stringify({ accessorIds: ['fuzz-a', 'fuzz-b'], title: 'Hello', body: 'Welcome' }),
);

/** Generated inputs per property, printed at the end so the suite's total can be checked. */
const runs = new FuzzRuns();
const counted = runs.counted.bind(runs);

// ---- Idempotency-Key values the intake must refuse. ----

const printable = fc.constantFrom(
  ...Array.from({ length: 0x7e - 0x21 + 1 }, (_, index) => String.fromCharCode(0x21 + index)),
);
/** 1–20 printable ASCII characters with no space at either end (the parser trims those). */
const keyPart = fc.string({ unit: printable, minLength: 1, maxLength: 20 });

/** `part` repeated to exactly `length` characters. */
const ofLength = (length: number) => keyPart.map((part) => part.repeat(length).slice(0, length));

/** Bad keys Node's HTTP client can send: tab and Latin-1 bytes pass its header check. */
const badKey = fc.oneof(
  fc.constant(''),
  fc.stringMatching(/^[ \t]{1,10}$/),
  fc.integer({ min: 256, max: 300 }).chain(ofLength),
  fc.integer({ min: 301, max: 12_000 }).chain(ofLength),
  fc
    .tuple(keyPart, fc.constantFrom('\t', '\t\t', ' \t '), keyPart)
    .map(([before, tab, after]) => `${before}${tab}${after}`),
  fc
    .tuple(keyPart, fc.integer({ min: 0x80, max: 0xff }), keyPart)
    .map(([before, code, after]) => `${before}${String.fromCharCode(code)}${after}`),
);

/** Repeated headers: joined with ", " they are over 255 characters, or one of them is bad. */
const repeatedBadKeys = fc.oneof(
  // 24 keys of 10+ characters joined with ", " are at least 286 characters.
  fc.array(fc.string({ unit: printable, minLength: 10, maxLength: 20 }), {
    minLength: 24,
    maxLength: 80,
  }),
  // Hundreds of one-character keys, one header line each: still within Node's 16 KB of headers.
  fc.integer({ min: 100, max: 500 }).map((count) => Array<string>(count).fill('k')),
  fc
    .tuple(fc.array(keyPart, { maxLength: 5 }), badKey, fc.array(keyPart, { maxLength: 5 }))
    .filter(([, bad]) => bad.trim() !== '')
    .map(([before, bad, after]) => [...before, bad, ...after]),
);

/** Bytes only a raw socket can put in a header value: controls, UTF-8, lone CR or LF. */
const rawBadKey = fc.oneof(
  fc
    .tuple(
      keyPart,
      fc.constantFrom(
        ...Array.from({ length: 0x20 }, (_, code) => code)
          .filter((code) => code !== 0x09 && code !== 0x0a && code !== 0x0d)
          .concat(0x7f),
      ),
      keyPart,
    )
    .map(([before, code, after]) => Buffer.from(`${before}${String.fromCharCode(code)}${after}`)),
  fc
    .tuple(keyPart, fc.constantFrom('é', '😀', 'ß', '中文', '\u200b', '\ufeff'), keyPart)
    .map(([before, odd, after]) => Buffer.from(`${before}${odd}${after}`, 'utf8')),
  fc
    .tuple(keyPart, fc.constantFrom('\r', '\n', '\r\r', '\n\n'), keyPart)
    .map(([before, odd, after]) => Buffer.from(`${before}${odd}${after}`)),
  // Past Node's 16 KB header limit: the gateway refuses it with 431.
  fc.integer({ min: 16_500, max: 40_000 }).map((length) => Buffer.alloc(length, 'k')),
);

// ---- Request IDs in the path: the text as it stands in the request target. ----

/** Characters a request ID may hold, as `functions/status` checks it. */
const idCharacter = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:=+-'.split(''),
);
/** Well-formed and unknown: never a dot segment, which URL parsing would resolve away. */
const unknownId = fc
  .string({ unit: idCharacter, minLength: 1, maxLength: 128 })
  .filter((id) => !/^\.+$/.test(id) && id !== KNOWN);
/** A well-formed ID written with some of its characters percent-encoded, as a client may. */
const encodedId = unknownId.chain((id) =>
  fc
    .array(fc.boolean(), { minLength: id.length, maxLength: id.length })
    .map((encode) =>
      [...id]
        .map((char, index) =>
          encode[index] ? `%${char.charCodeAt(0).toString(16).toUpperCase()}` : char,
        )
        .join(''),
    )
    .filter((text) => !/^(\.|%2E)+$/i.test(text)),
);
/** Path text that decodes to a character no request ID may hold. */
const oddPiece = fc.oneof(
  fc.constantFrom(
    '%2F',
    '%2f',
    '%5C',
    '%20',
    '%00',
    '%0A',
    '%0D',
    '%09',
    '%25',
    '%23',
    '%3F',
    '%26',
    '%C3%A9',
    '%F0%9F%98%80',
    '%E2%80%8B',
    '%EF%BB%BF',
    '~',
    '!',
    '$',
    '&',
    "'",
    '(',
    ')',
    '*',
    ',',
    ';',
    '@',
    '%2C',
    '%22',
    '%3C',
    '%7B',
  ),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 6 })
    .filter((text) => /[^A-Za-z0-9._:=+-]/.test(text))
    .map((text) => encodeURIComponent(text))
    .filter((text) => text.includes('%')),
);
const idPart = fc.string({ unit: idCharacter, maxLength: 20 });
/** Request IDs the status function must refuse with a 400, and the gateway route to it. */
const invalidId = fc.oneof(
  fc
    .tuple(idPart, oddPiece, idPart)
    .map(([before, odd, after]) => `${before}${odd}${after}`)
    .filter((text) => !/^(\.|%2E)+$/i.test(text)),
  // Too long: 129 characters up to 10 KB.
  fc.integer({ min: 129, max: 10_240 }).map((length) => 'r'.repeat(length)),
);
/** Text that is not a valid percent-encoding: the gateway refuses it before any function. */
const brokenEncoding = fc
  .tuple(
    idPart,
    fc.constantFrom('%', '%z', '%zz', '%G1', '%E0%A4%A', '%ED%A0%80', '%C3', '%FF'),
    idPart,
  )
  .map(([before, odd, after]) => `${before}${odd}${after}`)
  .filter((text) => {
    try {
      decodeURIComponent(text);
      return false;
    } catch {
      return true;
    }
  });

// ---- Queries on the accessors route. ----

const validQuery = fc
  .tuple(
    fc.record(
      {
        status: fc.constantFrom('failed', 'skipped'),
        limit: fc.integer({ min: 1, max: 1000 }).map(String),
      },
      { requiredKeys: [] },
    ),
    // Names an object already has: they must stay plain parameters, and be ignored.
    fc.subarray(['other', '__proto__', 'constructor', 'toString', 'hasOwnProperty']),
  )
  .map(([fields, names]) => {
    const query = new URLSearchParams(fields);
    for (const name of names) query.append(name, 'x');
    return query.toString();
  });

/** A query whose status, limit or nextToken is wrong: 400 before the request is looked up. */
const invalidQuery = fc.oneof(
  fc.constantFrom(
    'status=failed&status=skipped',
    'status=skipped&status=skipped',
    'limit=10&limit=20',
    'status=failed%26limit%3D5',
    'status=',
    'status=FAILED',
    'status=invited',
    'status=failed%00',
    'limit=-1',
    'limit=0',
    'limit=1001',
    'limit=1e3',
    'limit=1.0',
    'limit=0x10',
    'limit=abc',
    'limit=',
    'limit=%201',
    'limit=99999999999999999999',
    'nextToken=',
    'nextToken=a%2Bb',
    'nextToken=a%2Fb',
    'nextToken=abc%3D',
    'nextToken=%00',
    'nextToken=a&nextToken=b',
  ),
  fc
    .string({ minLength: 1, maxLength: 12 })
    .filter((status) => status !== 'failed' && status !== 'skipped')
    .map((status) => `status=${encodeURIComponent(status)}`),
  fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 1001 })).map((limit) => `limit=${limit}`),
  fc
    .string({ minLength: 1, maxLength: 8 })
    .filter((limit) => !/^\d{1,4}$/.test(limit))
    .map((limit) => `limit=${encodeURIComponent(limit)}`),
  fc
    .string({ minLength: 1, maxLength: 200 })
    .filter((token) => /[^A-Za-z0-9_-]/.test(token))
    .map((token) => `nextToken=${encodeURIComponent(token)}`),
  fc.integer({ min: 2_049, max: 12_000 }).map((length) => `nextToken=${'t'.repeat(length)}`),
);
/** Well-formed tokens this API never handed out: the reader refuses them for a known request. */
const garbageToken = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,2048}$/),
  fc
    .jsonValue({ maxDepth: 2 })
    .map((value) => Buffer.from(JSON.stringify(value)).toString('base64url'))
    .filter((token) => /^[A-Za-z0-9_-]{1,2048}$/.test(token)),
  fc
    .record({ sk: fc.string({ maxLength: 30 }), offset: fc.integer() })
    .filter(({ sk, offset }) => !sk.startsWith('LIST#failed#') || offset < 0)
    .map((token) => Buffer.from(JSON.stringify(token)).toString('base64url')),
);

/** Paths beside the two status routes: the gateway answers 404 without calling a function. */
const offRoutePath = fc.oneof(
  fc.constantFrom(
    '/requests',
    '/requests/',
    '/requests//',
    '/requests//accessors',
    '/requests//x',
    `/requests/${KNOWN}/`,
    `/requests/${KNOWN}/accessors/`,
    `/requests/${KNOWN}/accessors/extra`,
    `/requests/${KNOWN}/Accessors`,
    `/requests/${KNOWN}/accessors%2F`,
    `/requests/${KNOWN}/%61ccessors/x`,
    `/REQUESTS/${KNOWN}`,
    `//requests/${KNOWN}`,
    `/request/${KNOWN}`,
    `/requests/${KNOWN}/x/y`,
  ),
  fc
    .tuple(unknownId, fc.constantFrom('/', '/accessors/', '/accessors/x', '/x', '//'))
    .map(([id, tail]) => `/requests/${id}${tail}`),
);

const OTHER_METHODS = METHODS.filter((method) => method !== 'GET' && method !== 'CONNECT');

describe('fuzzing the ledger routes of the local stack over real HTTP', () => {
  const state = tempStateDir();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let stack: LocalStack;
  let base: URL;
  let dynamodb: DynamoDBClient;
  let seededItems: number;

  async function ledgerItems(): Promise<number> {
    let count = 0;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await dynamodb.send(
        new ScanCommand({
          TableName: stack.definitions.ledger.name,
          Select: 'COUNT',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return count;
  }

  before(async () => {
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ALLOWED_SPACE_IDS: SPACE,
    });
    base = new URL(stack.httpUrl);
    dynamodb = createDynamoDbClient({
      endpoint: stack.dynamodbEndpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    const ledger = new DynamoDbRequestLedger({
      client: dynamodb,
      tableName: stack.definitions.ledger.name,
    });
    const now = Date.now();
    await ledger.recordRequest({
      requestId: KNOWN,
      spaceId: SPACE,
      source: 'http',
      requestedBy: 'anonymous',
      accessorCount: 5,
      partCount: 2,
      createdAt: now,
      expiresAt: now + 86_400_000,
    });
    await ledger.recordOutcome(
      {
        requestId: KNOWN,
        part: 2,
        outcome: 'failed',
        invitedCount: 0,
        skippedIds: [],
        failedIds: KNOWN_FAILED,
        errorType: 'AccessDeniedException',
        errorMessage: 'Not allowed',
        at: now,
      },
      now + 86_400_000,
    );
    seededItems = await ledgerItems();
  });
  after(async () => {
    agent.destroy();
    dynamodb.destroy();
    await stack.stop();
    state.cleanup();
  });

  const get = (path: string) => sendRequest(base, agent, { method: 'GET', path, headers: {} });

  /** A JSON answer with a message: every refusal, whoever gives it. */
  function assertRefusal(response: HttpResponse, expected: number | number[], input: string) {
    const allowed = Array.isArray(expected) ? expected : [expected];
    assert.ok(
      allowed.includes(response.status),
      `${input.slice(0, 120)}: expected ${allowed.join(' or ')}, got ${response.status}: ${response.body.slice(0, 200)}`,
    );
    assert.match(String(response.headers['content-type']), /json/);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(typeof body.message, 'string');
    assert.notEqual(body.message, '');
    return body;
  }

  function assertStatusRefusal(response: HttpResponse, status: 400 | 404, input: string) {
    assertRefusal(response, status, input);
    const errorType = status === 400 ? 'ValidationException' : 'ResourceNotFoundException';
    assert.equal(response.headers['x-amzn-errortype'], errorType, input.slice(0, 120));
  }

  async function assertNothingAccepted() {
    assert.deepEqual(
      { ...(await stackActivity(stack)), ledgerItems: await ledgerItems() },
      { accepted: 0, queued: 0, inFlight: 0, deadLettered: 0, calls: 0, ledgerItems: seededItems },
    );
  }

  it('answers the known request as the contract says, so the fuzz below can tell 200 from 404', async () => {
    const status = await get(`/requests/${KNOWN}`);
    const listed = await get(`/requests/${KNOWN}/accessors?limit=1`);
    const rest = JSON.parse(listed.body) as { nextToken?: string };
    const next = await get(
      `/requests/${KNOWN}/accessors?limit=1&nextToken=${rest.nextToken ?? 'missing'}`,
    );

    assert.equal(status.status, 200);
    assert.equal(status.headers['retry-after'], '5');
    assert.deepEqual(JSON.parse(status.body).accessors, {
      total: 5,
      invited: 0,
      skipped: 0,
      pending: 3,
      failed: 2,
    });
    assert.equal(listed.status, 200);
    assert.equal(next.status, 200);
    assert.deepEqual(
      [JSON.parse(listed.body).items, JSON.parse(next.body)],
      [
        [
          {
            accessorId: KNOWN_FAILED[0],
            errorType: 'AccessDeniedException',
            errorMessage: 'Not allowed',
          },
        ],
        {
          items: [
            {
              accessorId: KNOWN_FAILED[1],
              errorType: 'AccessDeniedException',
              errorMessage: 'Not allowed',
            },
          ],
        },
      ],
    );
  });

  it('refuses bad Idempotency-Key values with a 400 naming the header, and queues nothing', async () => {
    const keys = fc.oneof(
      badKey.map((value): string | string[] => value),
      repeatedBadKeys.map((values): string | string[] => values),
    );
    await fc.assert(
      fc.asyncProperty(
        keys,
        counted('key: over HTTP', async (key) => {
          const response = await sendRequest(base, agent, {
            method: 'POST',
            path: `/spaces/${SPACE}/invite`,
            headers: {
              'content-type': 'application/json',
              'content-length': String(VALID_INVITE.length),
              'idempotency-key': key,
            },
            body: VALID_INVITE,
          });

          const shown = JSON.stringify(key);
          const body = assertRefusal(response, 400, shown);
          assert.equal(response.headers['x-amzn-errortype'], 'ValidationException', shown);
          assert.deepEqual(
            (body.fieldList as { name: string }[]).map((field) => field.name),
            ['Idempotency-Key'],
          );
        }),
      ),
      { numRuns: 1_000 },
    );
    await assertNothingAccepted();
  });

  it('refuses keys with control bytes, UTF-8, bare CR or LF, or over 16 KB, sent raw', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        rawBadKey,
        counted('key: raw bytes', async (key) => {
          const head = [
            `POST /spaces/${SPACE}/invite HTTP/1.1`,
            `Host: 127.0.0.1:${base.port}`,
            'Content-Type: application/json',
            `Content-Length: ${VALID_INVITE.length}`,
            'Connection: close',
            'Idempotency-Key: ',
          ].join('\r\n');

          const exchange = await sendRaw(
            Number(base.port),
            [Buffer.from(head), key, Buffer.from('\r\n\r\n'), VALID_INVITE],
            { timeoutMs: 10_000 },
          );

          const shown = JSON.stringify(key.subarray(0, 60).toString('latin1'));
          assert.equal(exchange.responses.length, 1, `${shown}: ${exchange.rest.slice(0, 200)}`);
          const [response] = exchange.responses as [(typeof exchange.responses)[number]];
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          assertRefusal(response, [400, 431], shown);
        }),
      ),
      { numRuns: 300 },
    );
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(431) ?? 0) > 0, [...statuses].join());
    await assertNothingAccepted();
  });

  it('answers any request ID on both routes with 404 when well-formed and unknown, 400 otherwise', async () => {
    const cases = fc.oneof(
      fc.record({ id: unknownId, expected: fc.constant(404 as const) }),
      fc.record({ id: encodedId, expected: fc.constant(404 as const) }),
      fc.record({ id: invalidId, expected: fc.constant(400 as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        cases,
        fc.boolean(),
        counted('ids: both routes', async ({ id, expected }, accessors) => {
          const path = `/requests/${id}${accessors ? '/accessors' : ''}`;

          const response = await get(path);

          assertStatusRefusal(response, expected, path);
        }),
      ),
      { numRuns: 1_500 },
    );
  });

  it('answers a path that does not decode with the gateway 400, and empty or extra segments with its 404', async () => {
    const cases = fc.oneof(
      fc.tuple(brokenEncoding, fc.boolean()).map(([id, accessors]) => ({
        path: `/requests/${id}${accessors ? '/accessors' : ''}`,
        expected: 400,
      })),
      offRoutePath.map((path) => ({ path, expected: 404 })),
    );
    await fc.assert(
      fc.asyncProperty(
        cases,
        counted('paths: off the routes', async ({ path, expected }) => {
          const response = await get(path);

          const body = assertRefusal(response, expected, path);
          assert.equal(response.headers['x-amzn-errortype'], undefined, 'no function answered');
          assert.equal(body.message, expected === 400 ? 'Bad Request' : 'Not Found');
        }),
      ),
      { numRuns: 700 },
    );
  });

  it('resolves dot segments before routing, as URL parsing does, and never answers a 5xx', async () => {
    const dotted = [
      ['/requests/.', 404],
      ['/requests/..', 404],
      ['/requests/%2E', 404],
      ['/requests/%2e%2E', 404],
      ['/requests/./accessors', 404],
      ['/requests/../accessors', 404],
      [`/requests/x/../${KNOWN}`, 200],
      [`/requests/./${KNOWN}`, 200],
      [`/requests/${KNOWN}/accessors/..`, 404],
      [`/requests/${KNOWN}/./accessors`, 200],
      [`/x/../requests/${KNOWN}/accessors`, 200],
    ] as const;

    for (const [path, expected] of dotted) {
      runs.add('paths: dot segments');
      const response = await get(path);

      assert.equal(response.status, expected, path);
      if (expected === 404) assertRefusal(response, 404, path);
    }
  });

  it('answers bad status, limit and nextToken with a 400 before looking the request up', async () => {
    await fc.assert(
      fc.asyncProperty(
        invalidQuery,
        fc.oneof(fc.constant(KNOWN), unknownId),
        counted('queries: invalid', async (query, id) => {
          const path = `/requests/${id}/accessors?${query}`;

          const response = await get(path);

          assertStatusRefusal(response, 400, path);
          const body = JSON.parse(response.body) as { fieldList: { name: string }[] };
          assert.equal(body.fieldList.length, 1);
          assert.ok(['status', 'limit', 'nextToken'].includes(body.fieldList[0]?.name ?? ''));
        }),
      ),
      { numRuns: 1_000 },
    );
  });

  it('answers valid queries with 200 for the known request and 404 for others, and ignores them on the status route', async () => {
    await fc.assert(
      fc.asyncProperty(
        validQuery,
        fc.oneof(fc.constant(KNOWN), unknownId),
        fc.boolean(),
        counted('queries: valid', async (query, id, accessors) => {
          const path = `/requests/${id}${accessors ? '/accessors' : ''}?${query}`;

          const response = await get(path);

          if (id !== KNOWN) {
            assertStatusRefusal(response, 404, path);
            return;
          }
          assert.equal(response.status, 200, `${path}: ${response.body.slice(0, 200)}`);
          const body = JSON.parse(response.body) as { items?: unknown[]; requestId?: string };
          if (accessors) assert.ok(Array.isArray(body.items), path);
          else assert.equal(body.requestId, KNOWN);
        }),
      ),
      { numRuns: 500 },
    );
  });

  it('refuses well-formed nextTokens it never handed out: 400 for the known request, 404 for others', async () => {
    await fc.assert(
      fc.asyncProperty(
        garbageToken,
        fc.oneof(fc.constant(KNOWN), unknownId),
        counted('queries: garbage tokens', async (token, id) => {
          const path = `/requests/${id}/accessors?nextToken=${token}`;

          const response = await get(path);

          assertStatusRefusal(response, id === KNOWN ? 400 : 404, path);
        }),
      ),
      { numRuns: 500 },
    );
  });

  it('answers 404 to every method but GET on both status routes, as API Gateway does, and queues nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OTHER_METHODS),
        fc.oneof(fc.constant(KNOWN), unknownId, invalidId),
        fc.boolean(),
        fc.option(fc.constantFrom(VALID_INVITE, Buffer.from('x')), { nil: undefined }),
        counted('methods: status routes', async (method, id, accessors, body) => {
          const path = `/requests/${id}${accessors ? '/accessors' : ''}`;
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (body !== undefined) headers['content-length'] = String(body.length);

          const response = await sendRequest(base, agent, {
            method,
            path,
            headers,
            ...(body === undefined ? {} : { body }),
          });

          // The route key is the method and the path: no route, so the function is not invoked.
          assert.equal(response.status, 404, `${method} ${path}`);
          assert.equal(response.headers['x-amzn-errortype'], undefined);
          if (method !== 'HEAD') {
            assert.equal(assertRefusal(response, 404, `${method} ${path}`).message, 'Not Found');
          }
        }),
      ),
      { numRuns: 400 },
    );
    await assertNothingAccepted();
  });
});

describe('ledger HTTP fuzz', () => {
  it('threw the planned number of generated inputs', (t) => {
    runs.assertAtLeast(t, 'ledger', 5_900);
  });
});

import assert from 'node:assert/strict';
import { Agent, METHODS } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { createIntakeHandler } from '../../functions/intake/intake.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { REQUEST_LIMITS } from '../../shared/domain/constants.ts';
import {
  loneSurrogate,
  nonString as nonStringValue,
  withLoneSurrogate as withLoneSurrogateText,
} from '../helpers/arbitraries.ts';
import { hrEvent, httpInviteEvent, lambdaContext } from '../helpers/events.ts';
import { RecordingDeadLetters, RecordingQueue } from '../helpers/fakes.ts';
import { FuzzRuns } from '../helpers/fuzz-runs.ts';
import { type HttpResponse, sendRequest } from '../helpers/http-request.ts';
import { MemoryLedger } from '../helpers/ledger.ts';
import { stackActivity, startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { silentLogger } from '../helpers/logs.ts';

const SPACE = 'SPFUZZ0000000000000000AA';
const FIELDS = ['spaceId', 'accessorIds', 'title', 'body'] as const;
type Field = (typeof FIELDS)[number];

/** Generated inputs per property, printed at the end so the suite's total can be checked. */
const runs = new FuzzRuns();
const counted = runs.counted.bind(runs);

// ---- Generators: every one yields input the intake must refuse. ----

const controlCharacter = fc.constantFrom(
  '\u0000',
  '\u0007',
  '\t',
  '\n',
  '\u001f',
  '\u007f',
  '\u0085',
  '\u009f',
);

const withLoneSurrogate = withLoneSurrogateText(20);
const nonString = nonStringValue({ maxDepth: 2, maxLength: 4 });
const validAccessorId = fc.stringMatching(/^[A-Za-z0-9._@+-]{1,64}$/);
const validAccessorIds = fc.array(validAccessorId, { minLength: 1, maxLength: 20 });
// One code point per unit, so 50 units stay within the 200 code points a title may have.
const validText = fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 50 });

function invalidText(maxCodePoints: number) {
  return fc.oneof(
    fc.constant(undefined),
    nonString,
    fc.constant(''),
    fc.integer({ min: maxCodePoints + 1, max: maxCodePoints * 4 }).map((n) => 'x'.repeat(n)),
    // Within twice the limit in UTF-16 units, over it in code points.
    fc.integer({ min: maxCodePoints + 1, max: maxCodePoints + 30 }).map((n) => '😀'.repeat(n)),
    withLoneSurrogate,
  );
}

const invalidAccessorId = fc.oneof(
  fc.constant(''),
  nonString,
  fc.integer({ min: 257, max: 700 }).map((n) => 'a'.repeat(n)),
  fc.integer({ min: 257, max: 300 }).map((n) => '😀'.repeat(n)),
  fc
    .tuple(fc.string({ maxLength: 10 }), controlCharacter, fc.string({ maxLength: 10 }))
    .map(([before, control, after]) => `${before}${control}${after}`),
  withLoneSurrogate,
);

const invalidAccessorIds = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant([]),
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  // Array-like, but not an array.
  validAccessorId.map((id) => ({ length: 1, 0: id })),
  fc
    .tuple(
      fc.array(validAccessorId, { maxLength: 10 }),
      invalidAccessorId,
      fc.array(validAccessorId, { maxLength: 10 }),
    )
    .map(([before, bad, after]) => [...before, bad, ...after]),
);

const pathSafe = fc.stringMatching(/^[A-Za-z0-9_-]{0,20}$/);
const invalidSpaceId = fc.oneof(
  fc.constant(''),
  fc.integer({ min: 65, max: 300 }).map((n) => 'S'.repeat(n)),
  fc
    .tuple(
      pathSafe,
      fc.constantFrom(
        '/',
        '%2F',
        '%2f',
        '.',
        '..',
        ' ',
        '%',
        '\u0000',
        '\n',
        '😀',
        'é',
        '+',
        '?',
        '#',
        '\\',
        '%00',
        ':',
      ),
      pathSafe,
    )
    .map(([before, odd, after]) => `${before}${odd}${after}`),
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 30 })
    .filter((id) => !/^[A-Za-z0-9_-]{1,64}$/.test(id)),
  loneSurrogate,
);
/** Well-formed, but not the one space this intake may invite to. */
const otherSpaceId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).filter((id) => id !== SPACE);

/** A field's value, tagged with whether it is valid. */
function field(valid: fc.Arbitrary<unknown>, invalid: fc.Arbitrary<unknown>) {
  return fc.oneof(
    valid.map((value) => ({ ok: true, value })),
    invalid.map((value) => ({ ok: false, value })),
  );
}

const extraFields = fc.dictionary(
  fc.string({ maxLength: 12 }).filter((key) => !(FIELDS as readonly string[]).includes(key)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 4 },
);

/** An invite request with at least one invalid field, and the names of those fields. */
const brokenRequest = fc
  .record({
    spaceId: field(fc.constant(SPACE), invalidSpaceId),
    accessorIds: field(validAccessorIds, invalidAccessorIds),
    title: field(validText, invalidText(200)),
    body: field(validText, invalidText(600)),
    extra: extraFields,
  })
  .filter((request) => FIELDS.some((name) => !request[name].ok))
  .map((request) => ({
    spaceId: request.spaceId.value as string,
    payload: {
      ...request.extra,
      accessorIds: request.accessorIds.value,
      title: request.title.value,
      body: request.body.value,
    },
    broken: FIELDS.filter((name) => !request[name].ok),
  }));

const validPayload = fc.record({
  accessorIds: validAccessorIds,
  title: validText,
  body: validText,
});

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Request bodies that are not a JSON object, or not JSON at all. */
const notAnObject = fc.oneof(
  fc
    .jsonValue()
    .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
    .map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 200 }).filter((text) => !isJsonObject(text)),
  // A proper prefix of a JSON object is never JSON.
  validPayload.chain((payload) => {
    const text = JSON.stringify(payload);
    return fc.nat({ max: text.length - 1 }).map((end) => text.slice(0, end));
  }),
  fc.constantFrom(
    '',
    ' ',
    'null',
    'undefined',
    'NaN',
    '{accessorIds:["a"],title:"t",body:"b"}',
    "{'accessorIds':['a'],'title':'t','body':'b'}",
    '\uFEFF{"accessorIds":["a"],"title":"t","body":"b"}',
    '{"accessorIds":["a"],"title":"t","body":"b"}garbage',
    '[{"accessorIds":["a"],"title":"t","body":"b"}]',
  ),
);

/** Text of `depth` nested arrays or objects, built without recursion. */
function nested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

const deeplyNested = fc
  .record({
    depth: fc.integer({ min: 1, max: 100_000 }),
    shape: fc.constantFrom('array' as const, 'object' as const),
    at: fc.constantFrom('root', 'accessorIds', 'accessorId', 'title', 'body'),
  })
  .map(({ depth, shape, at }) => {
    const deep = nested(depth, shape);
    switch (at) {
      case 'root':
        return deep;
      case 'accessorIds':
        return `{"accessorIds":${deep},"title":"t","body":"b"}`;
      case 'accessorId':
        return `{"accessorIds":["a",${deep}],"title":"t","body":"b"}`;
      case 'title':
        return `{"accessorIds":["a"],"title":${deep},"body":"b"}`;
      default:
        return `{"accessorIds":["a"],"title":"t","body":${deep},"more":${deep}}`;
    }
  });

const NOT_JSON_CONTENT_TYPES = [
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/jsonp',
  'application/json-patch',
  'application/octet-stream',
  'image/png',
  'json',
  '',
  ' application/json',
  '*/*',
];
const notJsonContentType = fc.oneof(
  fc.constantFrom(...NOT_JSON_CONTENT_TYPES),
  fc.string({ maxLength: 40 }).filter((type) => !/json/i.test(type)),
);
const notPost = fc.oneof(
  fc.constantFrom(...METHODS.filter((method) => method !== 'POST')),
  fc.constantFrom('post', 'Post', 'POST ', ''),
);

/** The intake over recording fakes of its queue and DLQ, allowed the one test space. */
function fakeIntake() {
  const queue = new RecordingQueue();
  const deadLetters = new RecordingDeadLetters();
  const handler = createIntakeHandler({
    config: readIntakeConfig({
      INVITES_QUEUE_URL: 'http://queue/invites',
      LEDGER_TABLE_NAME: 'test-ledger',
      DEAD_LETTER_QUEUE_URL: 'http://queue/dlq',
      ALLOWED_SPACE_IDS: SPACE,
      DEFAULT_SPACE_ID: SPACE,
    }),
    logger: silentLogger(),
    ports: { queue, deadLetters, ledger: new MemoryLedger() },
  });
  return { queue, deadLetters, handler };
}

// ---- (a) The intake handler, in process. ----

describe('fuzzing the intake handler in process', () => {
  const { queue, deadLetters, handler } = fakeIntake();

  async function invoke(event: APIGatewayProxyEventV2) {
    const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    assert.ok(typeof response === 'object' && response !== null, 'a structured response');
    const status = response.statusCode ?? 0;
    assert.ok(status >= 400 && status < 500, `expected a 4xx, got ${status}: ${response.body}`);
    assert.match(String(response.headers?.['content-type']), /^application\/json/);
    const body = JSON.parse(response.body ?? '') as Record<string, unknown>;
    assert.equal(typeof body.message, 'string');
    assert.notEqual(body.message, '');
    assert.equal(queue.sent.length, 0, 'nothing is queued for a refused request');
    assert.equal(deadLetters.parked.length, 0, 'an HTTP request is answered, never parked');
    return { status, body, headers: response.headers ?? {} };
  }

  const baseName = (name: string) => name.replace(/\[\d+\]$/, '');

  /** An invite event whose decoded space may be anything, lone surrogates included. */
  function inviteEvent(spaceId: string, options: Parameters<typeof httpInviteEvent>[0]) {
    const event = httpInviteEvent({ ...options, spaceId: 'placeholder' });
    event.pathParameters = { spaceId };
    return event;
  }

  it('answers 400 naming exactly the broken fields, whatever else the request holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        brokenRequest,
        counted('intake: broken fields', async ({ spaceId, payload, broken }) => {
          const { status, body, headers } = await invoke(
            inviteEvent(spaceId, { rawBody: JSON.stringify(payload) }),
          );

          assert.equal(status, 400);
          assert.equal(headers['x-amzn-errortype'], 'ValidationException');
          assert.equal(body.reason, 'fieldValidationFailed');
          const named = (body.fieldList as { name: string }[]).map((entry) => baseName(entry.name));
          assert.deepEqual(new Set(named), new Set<Field>(broken));
        }),
      ),
      { numRuns: 4_000 },
    );
  });

  it('answers 403 to a valid request for a space outside ALLOWED_SPACE_IDS', async () => {
    await fc.assert(
      fc.asyncProperty(
        otherSpaceId,
        validPayload,
        counted('intake: other spaces', async (spaceId, payload) => {
          const { status, headers } = await invoke(
            inviteEvent(spaceId, { rawBody: JSON.stringify(payload) }),
          );

          assert.equal(status, 403);
          assert.equal(headers['x-amzn-errortype'], 'AccessDeniedException');
        }),
      ),
      { numRuns: 500 },
    );
  });

  it('answers 400 to bodies that are not a JSON object, plain or base64-encoded', async () => {
    const rawBodies = fc.oneof(
      notAnObject.map((text) => ({ text, base64: false })),
      notAnObject.map((text) => ({ text: Buffer.from(text).toString('base64'), base64: true })),
      fc
        .uint8Array({ maxLength: 300 })
        .filter((bytes) => !isJsonObject(Buffer.from(bytes).toString('utf8')))
        .map((bytes) => ({ text: Buffer.from(bytes).toString('base64'), base64: true })),
    );
    await fc.assert(
      fc.asyncProperty(
        rawBodies,
        counted('intake: not an object', async ({ text, base64 }) => {
          const { status, headers } = await invoke(
            httpInviteEvent({ spaceId: SPACE, rawBody: text, isBase64Encoded: base64 }),
          );

          assert.equal(status, 400);
          assert.equal(headers['x-amzn-errortype'], 'ValidationException');
        }),
      ),
      { numRuns: 1_500 },
    );
  });

  it('answers 405 to any method but POST and 415 to any content type but JSON, even for a valid request', async () => {
    const envelope = fc.oneof(
      fc.record({ method: notPost, contentType: fc.constant('application/json') }),
      fc.record({ method: fc.constant('POST'), contentType: notJsonContentType }),
    );
    await fc.assert(
      fc.asyncProperty(
        envelope,
        validPayload,
        counted('intake: envelope', async ({ method, contentType }, payload) => {
          const { status } = await invoke(
            httpInviteEvent({
              spaceId: SPACE,
              method,
              headers: { 'content-type': contentType },
              rawBody: JSON.stringify(payload),
            }),
          );

          assert.equal(status, method === 'POST' ? 415 : 405);
        }),
      ),
      { numRuns: 1_000 },
    );
  });

  it('answers 400 to deeply nested JSON anywhere in the body', async () => {
    await fc.assert(
      fc.asyncProperty(
        deeplyNested,
        counted('intake: deep nesting', async (text) => {
          const { status } = await invoke(httpInviteEvent({ spaceId: SPACE, rawBody: text }));

          assert.equal(status, 400);
        }),
      ),
      { numRuns: 200 },
    );
  });

  it('answers huge input without a 5xx: 413 over 10 MB, 400 with a bounded field list under it', async () => {
    const huge = fc.oneof(
      fc
        .integer({ min: 1, max: 1_000 })
        .map((extra) => ({ text: ' '.repeat(REQUEST_LIMITS.maxBodyBytes + extra), status: 413 })),
      fc.integer({ min: 1_000_000, max: 5_000_000 }).map((n) => ({
        text: JSON.stringify({ accessorIds: ['a'], title: 'x'.repeat(n), body: 'b' }),
        status: 400,
      })),
      fc.integer({ min: 10_000, max: 200_000 }).map((n) => ({
        text: JSON.stringify({ accessorIds: Array(n).fill(''), title: 't', body: 'b' }),
        status: 400,
      })),
      fc.integer({ min: 100_000, max: 400_000 }).map((n) => ({
        text: JSON.stringify({
          accessorIds: Array.from({ length: n }, (_, index) => `user-${index}`),
          title: '',
          body: 'b',
        }),
        status: 400,
      })),
    );
    await fc.assert(
      fc.asyncProperty(
        huge,
        counted('intake: huge', async ({ text, status: expected }) => {
          const { status, body } = await invoke(httpInviteEvent({ spaceId: SPACE, rawBody: text }));

          assert.equal(status, expected);
          if (Array.isArray(body.fieldList)) {
            assert.ok(body.fieldList.length <= REQUEST_LIMITS.maxListedFieldErrors);
          }
        }),
      ),
      { numRuns: 12 },
    );
  });
});

// ---- HR events, in process: every invalid one is parked with its reason. ----

/** Deep enough that the parked event cannot be serialised whole, which parking handles. */
const SAFE_PARK_DEPTH = 20_000;

const nonObjectDetail = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.string(),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
);

const invalidHrEvent = fc.oneof(
  // Not from the HR source: whatever it says.
  fc
    .record({
      source: fc.oneof(
        fc.constantFrom('HR.events', 'hr.events ', 'hr', 'aws.events', ''),
        fc.string({ maxLength: 20 }).filter((source) => source !== 'hr.events'),
      ),
      detailType: fc.constantFrom('Employee Onboarded', 'Invite Requested'),
      detail: validPayload.map((payload) => ({ ...payload, spaceId: SPACE })),
    })
    .map((event) => ({ ...event, errorType: 'ValidationException' })),
  // A detail-type the intake does not handle.
  fc
    .record({
      source: fc.constant('hr.events'),
      detailType: fc.oneof(
        fc.constantFrom('employee onboarded', 'Invite requested', 'Employee Offboarded', ''),
        fc.string({ maxLength: 30 }),
      ),
      detail: fc.constant({ accessorId: 'a' }),
    })
    .filter((event) => !['Employee Onboarded', 'Invite Requested'].includes(event.detailType))
    .map((event) => ({ ...event, errorType: 'ValidationException' })),
  // A detail that is not an object.
  fc
    .record({
      source: fc.constant('hr.events'),
      detailType: fc.constantFrom('Employee Onboarded', 'Invite Requested'),
      detail: nonObjectDetail,
    })
    .map((event) => ({ ...event, errorType: 'ValidationException' })),
  // Employee Onboarded with a bad accessor, or a bad space that does not fall back.
  fc
    .oneof(
      fc.record({
        accessorId: fc.oneof(fc.constant(undefined), invalidAccessorId),
        spaceId: fc.oneof(fc.constant(undefined), fc.constant(SPACE)),
      }),
      fc.record({
        accessorId: validAccessorId,
        spaceId: fc.oneof(invalidSpaceId, fc.integer(), fc.boolean(), fc.array(fc.string())),
      }),
    )
    .map((detail) => ({
      source: 'hr.events',
      detailType: 'Employee Onboarded',
      detail,
      errorType: 'ValidationException',
    })),
  // Invite Requested with at least one broken field.
  brokenRequest.map(({ spaceId, payload }) => ({
    source: 'hr.events',
    detailType: 'Invite Requested',
    detail: { ...payload, spaceId },
    errorType: 'ValidationException',
  })),
  // Valid, but for a space outside the allowed list.
  fc
    .oneof(
      fc.record({ spaceId: otherSpaceId, accessorId: validAccessorId }).map((detail) => ({
        detailType: 'Employee Onboarded',
        detail,
      })),
      fc.record({ spaceId: otherSpaceId, payload: validPayload }).map(({ spaceId, payload }) => ({
        detailType: 'Invite Requested',
        detail: { ...payload, spaceId },
      })),
    )
    .map((event) => ({ ...event, source: 'hr.events', errorType: 'AccessDeniedException' })),
  // Nested, within what the DLQ path can serialise.
  fc.integer({ min: 1, max: SAFE_PARK_DEPTH }).map((depth) => ({
    source: 'hr.events',
    detailType: 'Invite Requested',
    detail: {
      spaceId: SPACE,
      accessorIds: JSON.parse(nested(depth, 'array')),
      title: 't',
      body: 'b',
    },
    errorType: 'ValidationException',
  })),
);

describe('fuzzing the intake with HR events in process', () => {
  it('parks every event that can never succeed, with its reason, and queues nothing', async () => {
    const { queue, deadLetters, handler } = fakeIntake();

    await fc.assert(
      fc.asyncProperty(
        invalidHrEvent,
        counted('intake: HR events', async ({ source, detailType, detail, errorType }) => {
          const event = hrEvent(detailType, detail, source);
          const parkedBefore = deadLetters.parked.length;

          const result = await handler(event, lambdaContext());

          assert.equal(result, undefined);
          assert.equal(queue.sent.length, 0);
          assert.equal(deadLetters.parked.length, parkedBefore + 1);
          const parked = deadLetters.parked.at(-1);
          assert.equal(parked?.reason.errorType, errorType);
          assert.ok((parked?.reason.errorMessage ?? '').length > 0, 'the reason is given');
          assert.equal((JSON.parse(parked?.body ?? '') as { id: string }).id, event.id);
        }),
      ),
      { numRuns: 2_000 },
    );
  });
});

// ---- (b) The local stack's HTTP endpoint, over real HTTP. ----

/** Printable ASCII a request target may hold as is, plus percent escapes. */
const pathCharacters = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(..."abcSPZ019-_.~!$&'()*+,;=:@".split('')) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%2F',
      '%2f',
      '%2E',
      '%25',
      '%00',
      '%20',
      '%zz',
      '%',
      '%E0%A4%A',
      '%C3%A9',
      '%F0%9F%98%80',
      '%ED%A0%80',
    ),
  },
);
const oddSegment = fc.string({ unit: pathCharacters, maxLength: 12 });

/** A path and whether it names the invite route of the one allowed space. */
const oddPath = fc.oneof(
  // The invite route with a space the gateway or the intake must refuse.
  fc
    .tuple(
      pathSafe,
      fc.constantFrom(
        '%2F',
        '%2f',
        '/',
        '%2E%2E',
        '..',
        '%25',
        '%20',
        '%E0%A4%A',
        '%ED%A0%80',
        '%C3%A9',
        '.',
      ),
      pathSafe,
    )
    .map(([before, odd, after]) => `/spaces/${before}${odd}${after}/invite`),
  otherSpaceId.map((space) => `/spaces/${space}/invite`),
  fc.integer({ min: 65, max: 200 }).map((n) => `/spaces/${'S'.repeat(n)}/invite`),
  fc.constantFrom(
    '/spaces//invite',
    `/spaces/${SPACE}/invite/`,
    `/spaces/${SPACE}`,
    `/SPACES/${SPACE}/invite`,
    `/spaces/${SPACE}/Invite`,
    `/spaces/${SPACE}/invite/extra`,
    '/',
    '/health/',
    '/spaces',
    '/invite',
  ),
  fc.array(oddSegment, { minLength: 1, maxLength: 5 }).map((segments) => `/${segments.join('/')}`),
  fc.constantFrom(`//spaces/${SPACE}/invite`, '//', '//a:b/spaces/x/invite', '//@/invite'),
);

const anyContentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/problem+json',
  ),
  fc.constantFrom(...NOT_JSON_CONTENT_TYPES.filter((type) => type.trim() === type && type !== '')),
  fc.stringMatching(/^[a-z]{1,10}\/[a-z0-9.+-]{1,20}$/),
);

/** Bodies that make a POST to the allowed space's route invalid on their own. */
const invalidBody = fc.oneof(
  brokenRequest
    .filter(({ broken }) => broken.some((name) => name !== 'spaceId'))
    .map(({ payload }) => Buffer.from(JSON.stringify(payload))),
  notAnObject.map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.integer({ min: 1, max: 20_000 }).map((depth) => Buffer.from(nested(depth, 'array'))),
);
const anyBody = fc.oneof(
  invalidBody,
  validPayload.map((payload) => Buffer.from(JSON.stringify(payload))),
);

const METHODS_OVER_HTTP = METHODS.filter((method) => method !== 'CONNECT');

const httpRequestCase = fc.oneof(
  // The right route, with a body the intake must refuse.
  fc.record({
    method: fc.constant('POST'),
    path: fc.constantFrom(`/spaces/${SPACE}/invite`, `/spaces/${SPACE}/invite?x=1`),
    contentType: fc.option(anyContentType, { nil: undefined }),
    body: invalidBody,
  }),
  // A method other than POST on the right route, with any body.
  fc.record({
    method: fc.constantFrom(...METHODS_OVER_HTTP.filter((method) => method !== 'POST')),
    path: fc.constant(`/spaces/${SPACE}/invite`),
    contentType: fc.option(anyContentType, { nil: undefined }),
    body: fc.option(anyBody, { nil: undefined }),
  }),
  // A path that is not the route of an allowed space, with any method and body.
  fc.record({
    method: fc.constantFrom(...METHODS_OVER_HTTP),
    path: oddPath,
    contentType: fc.option(anyContentType, { nil: undefined }),
    body: fc.option(anyBody, { nil: undefined }),
  }),
);

describe('fuzzing the local HTTP endpoint over real HTTP', () => {
  const state = tempStateDir();
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  let stack: LocalStack;
  let base: URL;

  before(async () => {
    // 403s are logged at WARN; the fuzz would print thousands of them.
    stack = await startTestStack({
      LOCAL_STATE_DIR: state.path,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ALLOWED_SPACE_IDS: SPACE,
    });
    base = new URL(stack.httpUrl);
  });
  after(async () => {
    agent.destroy();
    await stack.stop();
    state.cleanup();
  });

  function assertJsonRefusal(response: HttpResponse, method: string) {
    assert.ok(
      response.status >= 400 && response.status < 500,
      `expected a 4xx, got ${response.status}: ${response.body.slice(0, 200)}`,
    );
    if (method === 'HEAD') return;
    assert.match(String(response.headers['content-type']), /json/);
    const body = JSON.parse(response.body) as Record<string, unknown>;
    assert.equal(typeof body.message, 'string');
    assert.notEqual(body.message, '');
  }

  async function assertNothingQueued() {
    assert.deepEqual(await stackActivity(stack), {
      accepted: 0,
      queued: 0,
      inFlight: 0,
      deadLettered: 0,
      calls: 0,
    });
  }

  it('answers odd paths, methods, content types and bodies with a JSON 4xx and queues nothing', async (t) => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        httpRequestCase,
        counted('http: requests', async ({ method, path, contentType, body }) => {
          const headers: Record<string, string> = {};
          if (contentType !== undefined) headers['content-type'] = contentType;
          if (body !== undefined) headers['content-length'] = String(body.length);

          const response = await sendRequest(base, agent, { method, path, headers, body });

          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          assertJsonRefusal(response, method);
        }),
      ),
      { numRuns: 1_000 },
    );
    t.diagnostic(`statuses: ${[...statuses].map(([status, n]) => `${status} ×${n}`).join(', ')}`);
    await assertNothingQueued();
  });

  it('answers bodies over 10 MB with the gateway 413, declared or streamed, and queues nothing', async (t) => {
    const oneShot = new Agent({ keepAlive: false });
    const oversized = Buffer.alloc(REQUEST_LIMITS.maxBodyBytes + 1, 0x20);
    try {
      const cases: { path: string; headers: Record<string, string> }[] = [
        {
          path: `/spaces/${SPACE}/invite`,
          headers: { 'content-length': String(oversized.length) },
        },
        { path: `/spaces/${SPACE}/invite`, headers: { 'transfer-encoding': 'chunked' } },
        { path: '/spaces/a%2Fb/invite', headers: { 'content-length': String(oversized.length) } },
      ];
      for (const { path, headers } of cases) {
        runs.add('http: oversized');
        const response = await sendRequest(base, oneShot, {
          method: 'POST',
          path,
          headers: { 'content-type': 'application/json', ...headers },
          body: oversized,
        });

        t.diagnostic(`${path} ${Object.keys(headers)[0]}: ${response.status}`);
        assertJsonRefusal(response, 'POST');
        if (!path.includes('%2F')) assert.equal(response.status, 413);
      }
    } finally {
      oneShot.destroy();
    }
    await assertNothingQueued();
  });
});

describe('intake fuzz', () => {
  it('threw the planned number of generated inputs', (t) => {
    runs.assertAtLeast(t, 'intake', 10_200);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { createWorkerHandler } from '../../functions/worker/worker.ts';
import type { InviteChunk } from '../../shared/domain/invite.ts';
import { encodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import {
  nonString as nonStringValue,
  withLoneSurrogate as withLoneSurrogateText,
} from '../helpers/arbitraries.ts';
import { lambdaContext, sqsEvent, sqsRecord } from '../helpers/events.ts';
import { RecordingDeadLetters, RecordingVisibility, ScriptedSender } from '../helpers/fakes.ts';
import { FuzzRuns } from '../helpers/fuzz-runs.ts';
import { quietMetrics, silentLogger } from '../helpers/logs.ts';

const SPACE = 'SPFUZZ0000000000000000AA';

const runs = new FuzzRuns();
const counted = runs.counted.bind(runs);

const withLoneSurrogate = withLoneSurrogateText(10);
const nonString = nonStringValue({ maxDepth: 2, maxLength: 3 });
const validAccessorId = fc.stringMatching(/^[A-Za-z0-9._@+-]{1,40}$/);
const validChunk = fc
  .record({
    v: fc.constant(1 as const),
    requestId: fc.stringMatching(/^[A-Za-z0-9-]{1,40}$/),
    parts: fc.integer({ min: 1, max: 50 }),
    spaceId: fc.constant(SPACE),
    title: fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 50 }),
    body: fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 50 }),
    accessorIds: fc.uniqueArray(validAccessorId, { minLength: 1, maxLength: 20 }),
  })
  .chain((chunk) =>
    fc.integer({ min: 1, max: chunk.parts }).map((part): InviteChunk => ({ ...chunk, part })),
  );

/** Values each field of a chunk must never hold. */
const BROKEN_FIELDS: Record<string, fc.Arbitrary<unknown>> = {
  v: fc.oneof(
    fc.constantFrom(undefined, 0, 2, -1, 1.5, '1', 'v1', true, null, [1], { v: 1 }),
    fc.integer().filter((v) => v !== 1),
  ),
  requestId: fc.oneof(fc.constant(undefined), fc.constant(''), nonString),
  part: fc.oneof(
    fc.constantFrom(undefined, 0, -1, 1.5, '1', null, Number.MAX_SAFE_INTEGER + 2, 1e21),
    fc.integer({ max: 0 }),
  ),
  parts: fc.oneof(fc.constantFrom(undefined, 0, -3, 2.5, '2', null), fc.integer({ max: 0 })),
  spaceId: fc.oneof(
    fc.constantFrom(undefined, '', 'a/b', 'a%2Fb', '..', 'S'.repeat(65), 'space id', 'é'),
    nonString,
    withLoneSurrogate,
  ),
  title: fc.oneof(
    fc.constantFrom(undefined, '', 'x'.repeat(201), '😀'.repeat(201)),
    nonString,
    withLoneSurrogate,
  ),
  body: fc.oneof(
    fc.constantFrom(undefined, '', 'x'.repeat(601), '😀'.repeat(601)),
    nonString,
    withLoneSurrogate,
  ),
  accessorIds: fc.oneof(
    fc.constantFrom(undefined, null, [], 'a', 42, { 0: 'a', length: 1 }),
    // More than 1000 distinct IDs: one SendInvites call cannot carry them.
    fc.integer({ min: 1_001, max: 1_200 }).map((n) => Array.from({ length: n }, (_, i) => `u${i}`)),
    fc
      .tuple(
        fc.array(validAccessorId, { maxLength: 5 }),
        fc.oneof(
          fc.constantFrom('', 'a'.repeat(257), 'tab\there', 'nul\u0000', 'c1\u0085'),
          nonString,
          withLoneSurrogate,
        ),
      )
      .map(([ids, bad]) => [...ids, bad]),
  ),
};

/** Text of `depth` nested arrays, built without recursion. */
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** A message body that can never be a valid chunk. */
const malformedBody = fc.oneof(
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 100 }).filter(isNotJson) },
  // A proper prefix of a JSON object is never JSON.
  {
    weight: 1,
    arbitrary: validChunk.chain((chunk) => {
      const text = encodeInviteChunk(chunk);
      return fc.nat({ max: text.length - 1 }).map((end) => text.slice(0, end));
    }),
  },
  {
    weight: 1,
    arbitrary: fc
      .jsonValue()
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
      .map((value) => JSON.stringify(value)),
  },
  // A valid chunk with one or more fields broken; extra fields do not rescue it.
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        validChunk,
        fc.subarray(Object.keys(BROKEN_FIELDS), { minLength: 1 }),
        fc.dictionary(fc.stringMatching(/^x[a-z]{0,6}$/), fc.jsonValue({ maxDepth: 1 }), {
          maxKeys: 2,
        }),
      )
      .chain(([chunk, names, extra]) =>
        fc
          .tuple(...names.map((name) => BROKEN_FIELDS[name] as fc.Arbitrary<unknown>))
          .map((values) => {
            const broken: Record<string, unknown> = { ...chunk, ...extra };
            names.forEach((name, index) => {
              broken[name] = values[index];
            });
            return JSON.stringify(broken);
          }),
      ),
  },
  // A valid chunk whose part lies beyond its parts.
  {
    weight: 1,
    arbitrary: validChunk.map((chunk) => JSON.stringify({ ...chunk, part: chunk.parts + 1 })),
  },
  // Deeply nested values where strings (or the version) belong.
  {
    weight: 1,
    arbitrary: fc
      .record({
        depth: fc.integer({ min: 1, max: 50_000 }),
        at: fc.constantFrom('v', 'accessorIds', 'title', 'requestId', 'part'),
      })
      .map(({ depth, at }) => {
        const placeholder = '"__deep__"';
        const chunk = JSON.stringify({
          v: 1,
          requestId: 'r',
          part: 1,
          parts: 1,
          spaceId: SPACE,
          title: 't',
          body: 'b',
          accessorIds: ['a'],
          [at]: '__deep__',
        });
        return chunk.replace(placeholder, nestedArrays(depth));
      }),
  },
);

function isNotJson(text: string): boolean {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

function setup() {
  const sender = new ScriptedSender();
  const visibility = new RecordingVisibility();
  const deadLetters = new RecordingDeadLetters();
  const handler = createWorkerHandler({
    config: { callBudgetMs: 1_000 },
    logger: silentLogger(),
    metrics: quietMetrics(),
    ports: { sender, visibility, deadLetters },
  });
  return { sender, visibility, deadLetters, handler };
}

describe('fuzzing the worker with malformed queue messages', () => {
  it('parks each malformed message with InvalidMessage, calls nothing and delays nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(malformedBody, { minLength: 1, maxLength: 10 }),
        counted('worker: malformed batches', async (bodies) => {
          const { sender, visibility, deadLetters, handler } = setup();
          const records = bodies.map((body) => sqsRecord(body));

          const response = await handler(sqsEvent(records), lambdaContext());

          assert.deepEqual(response, { batchItemFailures: [] });
          assert.deepEqual(
            deadLetters.parked.map((parked) => parked.body),
            bodies,
          );
          for (const { reason } of deadLetters.parked) {
            assert.equal(reason.errorType, 'InvalidMessage');
            assert.ok(reason.errorMessage.length > 0, 'the reason is given');
          }
          assert.equal(sender.calls.length, 0);
          assert.deepEqual(visibility.delays, []);
        }),
      ),
      { numRuns: 3_000 },
    );
  });

  it('delivers the valid messages of a batch the malformed ones share, and parks only the malformed', async () => {
    const entry = fc.oneof(
      validChunk.map((chunk) => ({ valid: true, chunk, body: encodeInviteChunk(chunk) })),
      malformedBody.map((body) => ({ valid: false, chunk: undefined, body })),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { minLength: 1, maxLength: 10 }),
        counted('worker: mixed batches', async (entries) => {
          const { sender, visibility, deadLetters, handler } = setup();
          const records: SQSRecord[] = entries.map((item) => sqsRecord(item.body));

          const response = await handler(sqsEvent(records), lambdaContext());

          assert.deepEqual(response, { batchItemFailures: [] });
          assert.deepEqual(
            deadLetters.parked.map((parked) => parked.body),
            entries.filter((item) => !item.valid).map((item) => item.body),
          );
          const invited = new Set(sender.calls.flatMap((call) => call.accessorIds));
          const expected = new Set(entries.flatMap((item) => item.chunk?.accessorIds ?? []));
          assert.deepEqual(invited, expected);
          assert.deepEqual(visibility.delays, []);
        }),
      ),
      { numRuns: 1_000 },
    );
  });

  it('threw the planned number of generated inputs', (t) => {
    runs.assertAtLeast(t, 'worker', 4_000);
  });
});

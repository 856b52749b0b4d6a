import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import type { LocalStack } from '../../infra/local/stack.ts';
import { PARK_ATTRIBUTES } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { FuzzRuns } from '../helpers/fuzz-runs.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';
import {
  DETAIL_TYPES,
  entryOfAnything,
  entryWithOneField,
  HR_SOURCE,
  invalidEntry,
  isJson,
  type Outcome,
  refusedHrEntry,
  SPACE,
  unmatchedEntry,
  validDetail,
} from './put-events-arbitraries.ts';

// EventBridge's limit on a request's entries together (1 MB since January 2026), and the most
// the local endpoint reads of one request.
const MAX_ENTRIES_BYTES = 1024 * 1024;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;

const runs = new FuzzRuns();
const counted = runs.counted.bind(runs);

/** The answer EventBridge gives a request of entries, each with its own outcome. */
function expectedAnswer(outcomes: Outcome[]) {
  for (const type of ['SerializationException', 'ValidationException'] as const) {
    if (outcomes.some((outcome) => 'request' in outcome && outcome.request === type)) {
      return { status: 400, type };
    }
  }
  return {
    status: 200,
    codes: outcomes.map((outcome) => ('entry' in outcome ? outcome.entry : undefined)),
  };
}

describe('fuzzing PutEvents on the local stack', () => {
  const state = tempStateDir();
  const notices: string[] = [];
  let eventsDelivered = 0;
  /** Events the intake refused and parked, as the local stack reports them. */
  let eventsParked = 0;
  function handled() {
    eventsDelivered++;
    if (waiter && eventsDelivered >= waiter.count) waiter.resolve();
  }
  let waiter: { count: number; resolve: () => void } | undefined;
  let stack: LocalStack;
  let sqs: SQSClient;

  before(async () => {
    stack = await startTestStack(
      {
        LOCAL_STATE_DIR: state.path,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        ALLOWED_SPACE_IDS: SPACE,
        DEFAULT_SPACE_ID: SPACE,
      },
      {
        accepted({ kind }) {
          if (kind === 'event') handled();
        },
        parked() {
          eventsParked++;
          handled();
        },
        notice: (line) => notices.push(line),
      },
    );
    sqs = new SQSClient({
      endpoint: stack.sqsEndpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
  });
  after(async () => {
    sqs.destroy();
    await stack.stop();
    state.cleanup();
  });

  /** Resolves once the intake has finished `count` events in all. */
  function eventsHandled(count: number, timeoutMs: number): Promise<void> {
    if (eventsDelivered >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `only ${eventsDelivered} of ${count} events reached the intake; ${notices.length} notices: ${notices.slice(0, 3).join(' / ')}`,
            ),
          ),
        timeoutMs,
      );
      waiter = {
        count,
        resolve: () => {
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        },
      };
    });
  }

  async function putEvents(body: string) {
    const response = await fetch(stack.httpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSEvents.PutEvents',
      },
      body,
    });
    const text = await response.text();
    assert.ok(response.status < 500, `never a 5xx, got ${response.status}: ${text.slice(0, 200)}`);
    return { status: response.status, output: JSON.parse(text) as Record<string, unknown> };
  }

  async function assertNothingReachedTheIntake() {
    // An event the last input wrongly let through may still be on its way to the intake.
    await stack.settled();
    const summary = await stack.summary();
    assert.deepEqual(
      {
        events: eventsDelivered,
        accepted: summary.acceptedRequests,
        queued: summary.queued + summary.inFlight,
        deadLettered: summary.deadLettered,
        calls: stack.simulator?.stats().calls,
        notices,
      },
      { events: 0, accepted: 0, queued: 0, deadLettered: 0, calls: 0, notices: [] },
    );
  }

  it('answers a body that is not JSON with 400 SerializationException', async () => {
    const notJson = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }).filter((text) => !isJson(text)),
      fc.array(unmatchedEntry, { minLength: 1, maxLength: 3 }).chain((entries) => {
        const text = JSON.stringify({ Entries: entries });
        return fc.nat({ max: text.length - 1 }).map((end) => text.slice(0, end));
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        notJson,
        counted('put-events: not JSON', async (body) => {
          const { status, output } = await putEvents(body);

          assert.equal(status, 400);
          assert.equal(output.__type, 'SerializationException');
          assert.equal(typeof output.message, 'string');
        }),
      ),
      { numRuns: 400 },
    );
  });

  it('refuses a request that is not an object of 1 to 10 entries with a 400 of the right type, matching ones included', async () => {
    const matching = fc.record({
      Source: fc.constant(HR_SOURCE),
      DetailType: fc.constantFrom(...DETAIL_TYPES),
      Detail: validDetail,
    });
    const serialization = 'SerializationException';
    const validation = 'ValidationException';
    const badShape = fc.oneof(
      fc
        .jsonValue({ maxDepth: 2 })
        .filter((value) => value !== null && (typeof value !== 'object' || Array.isArray(value)))
        .map((request) => ({ request, type: serialization })),
      fc.constant({ request: null as unknown, type: validation }),
      fc
        .dictionary(
          fc.string({ maxLength: 10 }).filter((key) => key !== 'Entries'),
          fc.jsonValue({ maxDepth: 1 }),
          { maxKeys: 3 },
        )
        .map((request) => ({ request, type: validation })),
      fc.constant({ request: { Entries: null } as unknown, type: validation }),
      fc
        .oneof(fc.string(), fc.integer(), fc.boolean(), fc.dictionary(fc.string(), fc.string()))
        .map((Entries) => ({ request: { Entries } as unknown, type: serialization })),
      fc.constant({ request: { Entries: [] } as unknown, type: validation }),
      fc
        .array(matching, { minLength: 11, maxLength: 30 })
        .map((Entries) => ({ request: { Entries } as unknown, type: validation })),
    );
    await fc.assert(
      fc.asyncProperty(
        badShape,
        counted('put-events: bad shape', async ({ request, type }) => {
          const { status, output } = await putEvents(JSON.stringify(request));

          assert.equal(status, 400);
          assert.equal(output.__type, type);
          assert.equal(typeof output.message, 'string');
        }),
      ),
      { numRuns: 300 },
    );
    await assertNothingReachedTheIntake();
  });

  it('answers every member of every type, range and size as EventBridge does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryWithOneField, { minLength: 1, maxLength: 10 }),
        counted('put-events: one field', async (cases) => {
          const expected = expectedAnswer(cases.map((item) => item.outcome));

          const { status, output } = await putEvents(
            JSON.stringify({ Entries: cases.map((item) => item.entry) }),
          );

          assert.equal(status, expected.status, JSON.stringify(output).slice(0, 300));
          if ('type' in expected) {
            assert.equal(output.__type, expected.type);
            assert.equal(typeof output.message, 'string');
            return;
          }
          const results = output.Entries as Record<string, unknown>[];
          assert.deepEqual(
            results.map((result) => result.ErrorCode),
            expected.codes,
          );
          assert.equal(
            output.FailedEntryCount,
            expected.codes.filter((code) => code !== undefined).length,
          );
          for (const result of results) {
            if (result.ErrorCode === undefined) assert.equal(typeof result.EventId, 'string');
            else assert.equal(typeof result.ErrorMessage, 'string');
          }
        }),
      ),
      { numRuns: 800 },
    );
    await assertNothingReachedTheIntake();
  });

  it('never answers a 5xx, whatever JSON every member holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(entryOfAnything, { minLength: 1, maxLength: 10 }),
        counted('put-events: any member', async (entries) => {
          const { status, output } = await putEvents(JSON.stringify({ Entries: entries }));

          if (status === 400) {
            assert.match(String(output.__type), /^(SerializationException|ValidationException)$/);
            assert.equal(typeof output.message, 'string');
            return;
          }
          assert.equal(status, 200);
          const results = output.Entries as Record<string, unknown>[];
          assert.equal(results.length, entries.length);
          const failed = results.filter((result) => result.ErrorCode !== undefined);
          assert.equal(output.FailedEntryCount, failed.length);
          for (const result of results) {
            assert.notEqual(
              typeof result.EventId === 'string',
              typeof result.ErrorCode === 'string',
            );
          }
        }),
      ),
      { numRuns: 300 },
    );
    await assertNothingReachedTheIntake();
  });

  it('fails every invalid entry with its ErrorCode and never delivers an entry the rule does not match', async () => {
    const entries = fc.array(
      fc.oneof(
        invalidEntry,
        unmatchedEntry.map((entry) => ({ entry: entry as unknown, code: undefined })),
      ),
      { minLength: 1, maxLength: 10 },
    );
    await fc.assert(
      fc.asyncProperty(
        entries,
        counted('put-events: entries', async (cases) => {
          const body = JSON.stringify({ Entries: cases.map((item) => item.entry) });

          const { status, output } = await putEvents(body);

          assert.equal(status, 200);
          const results = output.Entries as Record<string, unknown>[];
          assert.equal(results.length, cases.length);
          assert.equal(
            output.FailedEntryCount,
            cases.filter((item) => item.code !== undefined).length,
          );
          cases.forEach((item, index) => {
            const result = results[index] ?? {};
            if (item.code === undefined) {
              assert.equal(typeof result.EventId, 'string');
              assert.equal(result.ErrorCode, undefined);
            } else {
              assert.equal(result.ErrorCode, item.code);
              assert.equal(typeof result.ErrorMessage, 'string');
              assert.equal(result.EventId, undefined);
            }
          });
        }),
      ),
      { numRuns: 500 },
    );
    await assertNothingReachedTheIntake();
  });

  it('takes entries of 1 MiB in all, refuses one byte more with 400 ValidationException, and answers a body over 2 MiB with 413', async () => {
    // Source, DetailType and Detail count in UTF-8 bytes; 'é' is two of them.
    const sized = (entries: number, bytes: number, unit: string) => {
      const fixed = Buffer.byteLength('other.source') + Buffer.byteLength('Sized');
      const overhead = Buffer.byteLength('{"p":""}');
      const per = Math.floor(bytes / entries);
      return Array.from({ length: entries }, (_, index) => {
        const own = index === entries - 1 ? bytes - per * (entries - 1) : per;
        const padding = own - fixed - overhead;
        const text = unit.repeat(Math.floor(padding / Buffer.byteLength(unit)));
        return {
          Source: 'other.source',
          DetailType: 'Sized',
          Detail: JSON.stringify({ p: text + 'x'.repeat(padding - Buffer.byteLength(text)) }),
        };
      });
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom('x', 'é', '😀'),
        counted('put-events: sizes', async (entries, unit) => {
          const atLimit = await putEvents(
            JSON.stringify({ Entries: sized(entries, MAX_ENTRIES_BYTES, unit) }),
          );
          const overLimit = await putEvents(
            JSON.stringify({ Entries: sized(entries, MAX_ENTRIES_BYTES + 1, unit) }),
          );

          assert.equal(atLimit.status, 200);
          assert.equal(atLimit.output.FailedEntryCount, 0);
          assert.equal(overLimit.status, 400);
          assert.equal(overLimit.output.__type, 'ValidationException');
        }),
      ),
      { numRuns: 8 },
    );
    runs.add('put-events: oversized');
    const detail = JSON.stringify({ padding: 'x'.repeat(MAX_REQUEST_BYTES) });

    const oversized = await putEvents(
      JSON.stringify({ Entries: [{ Source: 'other', DetailType: 'Big', Detail: detail }] }),
    );

    assert.equal(oversized.status, 413);
    assert.equal(typeof oversized.output.message, 'string');
    await assertNothingReachedTheIntake();
  });

  it('delivers matching entries with an invalid detail to the intake, which parks each and queues nothing', async () => {
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(refusedHrEntry, { minLength: 1, maxLength: 10 }),
        counted('put-events: parked', async (entries) => {
          const { status, output } = await putEvents(JSON.stringify({ Entries: entries }));

          assert.equal(status, 200);
          assert.equal(output.FailedEntryCount, 0);
          sent += entries.length;
        }),
      ),
      { numRuns: 200 },
    );
    await eventsHandled(sent, 30_000);

    const parked: Message[] = [];
    for (let round = 0; round < 200 && parked.length < sent; round++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: stack.queues.deadLetter.url,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 300,
          WaitTimeSeconds: 1,
          MessageAttributeNames: ['All'],
        }),
      );
      parked.push(...Messages);
    }
    const summary = await stack.summary();
    assert.equal(eventsDelivered, sent);
    assert.equal(eventsParked, sent, 'npm start reports each as parked');
    assert.equal(summary.acceptedRequests, 0, 'and counts none as accepted');
    assert.equal(parked.length, sent);
    for (const message of parked) {
      assert.match(
        message.MessageAttributes?.[PARK_ATTRIBUTES.errorType]?.StringValue ?? '',
        /^(ValidationException|AccessDeniedException)$/,
      );
    }
    assert.equal(summary.queued + summary.inFlight, 0);
    assert.equal(stack.simulator?.stats().calls, 0);
    assert.deepEqual(notices, []);
  });

  it('threw the planned number of generated inputs', (t) => {
    runs.assertAtLeast(t, 'put-events', 2_500);
  });
});

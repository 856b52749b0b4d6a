import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import type { LocalStack } from '../../infra/local/stack.ts';
import { PARK_ATTRIBUTES } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { loneSurrogate, nonString as nonStringValue } from '../helpers/arbitraries.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const SPACE = 'SPFUZZ0000000000000000AA';
const HR_SOURCE = 'hr.events';
const DETAIL_TYPES = ['Employee Onboarded', 'Invite Requested'];
// EventBridge's limit on one entry, and the most the local endpoint reads of one request.
const MAX_ENTRY_BYTES = 256 * 1024;
const MAX_REQUEST_BYTES = 1024 * 1024;

const runs = new Map<string, number>();
function counted<A extends unknown[]>(name: string, check: (...input: A) => Promise<void>) {
  return async (...input: A) => {
    runs.set(name, (runs.get(name) ?? 0) + 1);
    await check(...input);
  };
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const nonString = nonStringValue({ maxDepth: 1, maxLength: 3 });
const validAccessorId = fc.stringMatching(/^[A-Za-z0-9._@+-]{1,40}$/);
/** Any text a title may hold, emoji and the characters SQS refuses included. */
const inviteText = fc.oneof(
  fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 30 }),
  fc.constantFrom('Welcome 👋', 'Welcome \uffff', 'Welcome \ufffe'),
);
const validInvite = fc.record({
  spaceId: fc.constant(SPACE),
  accessorIds: fc.array(validAccessorId, { minLength: 1, maxLength: 5 }),
  title: inviteText,
  body: inviteText,
});
/** A detail the intake would accept: what matters is whether it ever reaches the intake. */
const validDetail = fc.oneof(
  validAccessorId.map((accessorId) => JSON.stringify({ accessorId, spaceId: SPACE })),
  validInvite.map((invite) => JSON.stringify(invite)),
);

/** Text of `depth` nested objects, built without recursion. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A `Detail` that is not the text of a JSON object. */
const malformedDetail = fc.oneof(
  fc.string({ maxLength: 40 }).filter((text) => !isJson(text) && text !== ''),
  fc
    .jsonValue()
    .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
    .map((value) => JSON.stringify(value)),
  fc.constantFrom('{', '{"accessorId":"a"', "{'accessorId':'a'}", '{accessorId:"a"}', 'undefined'),
  loneSurrogate,
);

/** An entry EventBridge refuses on its own, and the error code it gets. */
const invalidEntry = fc.oneof(
  fc
    .oneof(fc.integer(), fc.string(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }))
    .map((entry) => ({ entry, code: 'InvalidArgument' })),
  // At least one of Source, DetailType, Detail missing, empty or not a string.
  fc
    .record({
      Source: fc.constant(HR_SOURCE),
      DetailType: fc.constantFrom(...DETAIL_TYPES),
      Detail: validDetail,
    })
    .chain((entry) =>
      fc
        .tuple(
          fc.subarray(['Source', 'DetailType', 'Detail'] as const, { minLength: 1 }),
          fc.oneof(fc.constant(undefined), fc.constant(''), nonString),
        )
        .map(([names, broken]) => {
          const copy: Record<string, unknown> = { ...entry };
          for (const name of names) copy[name] = broken;
          return { entry: copy, code: 'InvalidArgument' };
        }),
    ),
  fc
    .record({
      Source: fc.constant(HR_SOURCE),
      DetailType: fc.constantFrom(...DETAIL_TYPES),
      Detail: malformedDetail,
    })
    .map((entry) => ({ entry, code: 'MalformedDetail' })),
  // Over EventBridge's 256 KB limit for one entry.
  fc.integer({ min: MAX_ENTRY_BYTES, max: MAX_ENTRY_BYTES + 50_000 }).map((size) => ({
    entry: {
      Source: HR_SOURCE,
      DetailType: 'Invite Requested',
      Detail: JSON.stringify({
        spaceId: SPACE,
        accessorIds: ['a'],
        title: 'x'.repeat(size),
        body: 'b',
      }),
    },
    code: 'InvalidArgument',
  })),
);

/** A well-formed entry that the intake's rule must never match: source, type or bus differ. */
const unmatchedEntry = fc
  .record({
    Source: fc.constant(HR_SOURCE),
    DetailType: fc.constantFrom(...DETAIL_TYPES),
    Detail: fc.oneof(validDetail, fc.integer({ min: 1, max: 20_000 }).map(nestedObjects)),
  })
  .chain((entry) =>
    fc.oneof(
      fc
        .oneof(
          fc.constantFrom('HR.events', 'hr.events ', ' hr.events', 'hr', 'hr.event', 'aws.events'),
          fc.string({ minLength: 1, maxLength: 30 }),
        )
        .filter((source) => source !== HR_SOURCE)
        .map((Source) => ({ ...entry, Source })),
      fc
        .oneof(
          fc.constantFrom(
            'employee onboarded',
            'Employee Onboarded ',
            'Invite requested',
            'Employee Offboarded',
          ),
          fc.string({ minLength: 1, maxLength: 30 }),
        )
        .filter((type) => !DETAIL_TYPES.includes(type))
        .map((DetailType) => ({ ...entry, DetailType })),
      fc
        .oneof(
          fc.constantFrom(
            'hr-events',
            'Default',
            'default2',
            'arn:aws:events:us-east-1:123456789012:event-bus/other',
          ),
          fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/),
        )
        .filter((bus) => bus !== 'default')
        .map((EventBusName) => ({ ...entry, EventBusName })),
    ),
  );

/** A matching entry whose detail the intake must refuse: it is parked, never queued. */
const refusedHrEntry = fc
  .oneof(
    fc.record({
      DetailType: fc.constant('Employee Onboarded'),
      detail: fc.oneof(
        fc.record({
          accessorId: fc.oneof(fc.constantFrom('', 'a'.repeat(257), 'x\u0000'), nonString),
        }),
        fc.record({ accessorId: validAccessorId, spaceId: fc.constantFrom('', 'a/b', 'SPOTHER') }),
        fc.constant({}),
      ),
    }),
    fc.record({
      DetailType: fc.constant('Invite Requested'),
      detail: fc.oneof(
        validInvite.map((invite) => ({ ...invite, accessorIds: [] })),
        validInvite.map((invite) => ({ ...invite, title: '' })),
        validInvite.map((invite) => ({ ...invite, body: 7 })),
        validInvite.map((invite) => ({ ...invite, spaceId: 'SPNOTALLOWED' })),
        // Nested, within what the DLQ path can serialise.
        fc.integer({ min: 1, max: 200 }).map((depth) => ({
          spaceId: SPACE,
          accessorIds: JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`),
          title: 't',
          body: 'b',
        })),
      ),
    }),
  )
  .chain(({ DetailType, detail }) =>
    fc
      .constantFrom(undefined, 'default', 'arn:aws:events:us-east-1:000000000000:event-bus/default')
      .map((EventBusName) => ({
        Source: HR_SOURCE,
        DetailType,
        Detail: JSON.stringify(detail),
        ...(EventBusName === undefined ? {} : { EventBusName }),
      })),
  );

describe('fuzzing PutEvents on the local stack', () => {
  const state = tempStateDir();
  const notices: string[] = [];
  let eventsDelivered = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  let stack: LocalStack;
  let sqs: SQSClient;

  before(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    stack = await startTestStack(
      { LOCAL_STATE_DIR: state.path, ALLOWED_SPACE_IDS: SPACE, DEFAULT_SPACE_ID: SPACE },
      {
        accepted({ kind }) {
          if (kind !== 'event') return;
          eventsDelivered++;
          if (waiter && eventsDelivered >= waiter.count) waiter.resolve();
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

  it('answers 400 ValidationException to a request without 1 to 10 entries, matching ones included', async () => {
    const matching = fc.record({
      Source: fc.constant(HR_SOURCE),
      DetailType: fc.constantFrom(...DETAIL_TYPES),
      Detail: validDetail,
    });
    const badShape = fc.oneof(
      fc
        .jsonValue({ maxDepth: 2 })
        .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value)),
      fc.dictionary(
        fc.string({ maxLength: 10 }).filter((key) => key !== 'Entries'),
        fc.jsonValue({ maxDepth: 1 }),
        { maxKeys: 3 },
      ),
      fc
        .oneof(
          fc.constant(null),
          fc.string(),
          fc.integer(),
          fc.dictionary(fc.string(), fc.string()),
        )
        .map((Entries) => ({ Entries })),
      fc.constant({ Entries: [] }),
      fc.array(matching, { minLength: 11, maxLength: 30 }).map((Entries) => ({ Entries })),
    );
    await fc.assert(
      fc.asyncProperty(
        badShape,
        counted('put-events: bad shape', async (request) => {
          const { status, output } = await putEvents(JSON.stringify(request));

          assert.equal(status, 400);
          assert.equal(output.__type, 'ValidationException');
          assert.equal(typeof output.message, 'string');
        }),
      ),
      { numRuns: 400 },
    );
    await assertNothingReachedTheIntake();
  });

  it('fails every invalid entry with its ErrorCode and never delivers an entry the rule does not match', async () => {
    const entries = fc
      .array(
        fc.oneof(
          invalidEntry,
          unmatchedEntry.map((entry) => ({ entry, code: undefined })),
        ),
        { minLength: 1, maxLength: 10 },
      )
      .filter(
        (cases) =>
          Buffer.byteLength(JSON.stringify({ Entries: cases.map((item) => item.entry) })) <=
          MAX_REQUEST_BYTES,
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
      { numRuns: 800 },
    );
    await assertNothingReachedTheIntake();
  });

  it('answers a request over 1 MiB with the endpoint 413 and a JSON message', async () => {
    runs.set('put-events: oversized', (runs.get('put-events: oversized') ?? 0) + 1);
    const detail = JSON.stringify({ accessorId: 'a', padding: 'x'.repeat(200_000) });
    const entry = { Source: HR_SOURCE, DetailType: 'Employee Onboarded', Detail: detail };

    const { status, output } = await putEvents(JSON.stringify({ Entries: Array(6).fill(entry) }));

    assert.equal(status, 413);
    assert.equal(typeof output.message, 'string');
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
    const total = [...runs.values()].reduce((sum, count) => sum + count, 0);
    t.diagnostic(
      `put-events fuzz runs: ${total} (${[...runs].map(([name, n]) => `${name} ${n}`).join(', ')})`,
    );

    assert.ok(total >= 1_800, `only ${total} inputs ran`);
  });
});

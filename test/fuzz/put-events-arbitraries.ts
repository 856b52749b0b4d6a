import fc from 'fast-check';
import { loneSurrogate, nonString as nonStringValue } from '../helpers/arbitraries.ts';

export const SPACE = 'SPFUZZ0000000000000000AA';
export const HR_SOURCE = 'hr.events';
export const DETAIL_TYPES = ['Employee Onboarded', 'Invite Requested'];

export function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

const nonString = nonStringValue({ maxDepth: 1, maxLength: 3 });
export const validAccessorId = fc.stringMatching(/^[A-Za-z0-9._@+-]{1,40}$/);
/** Any text a title may hold, emoji and the characters SQS refuses included. */
const inviteText = fc.oneof(
  fc.string({ unit: 'grapheme-composite', minLength: 1, maxLength: 30 }),
  fc.constantFrom('Welcome 👋', 'Welcome \uffff', 'Welcome \ufffe'),
);
export const validInvite = fc.record({
  spaceId: fc.constant(SPACE),
  accessorIds: fc.array(validAccessorId, { minLength: 1, maxLength: 5 }),
  title: inviteText,
  body: inviteText,
});
/** A detail the intake would accept: what matters is whether it ever reaches the intake. */
export const validDetail = fc.oneof(
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

// What an RFC 3339 timestamp can say, in epoch seconds: years 0000 to 9999.
const MIN_TIME = -62_167_219_200;
const MAX_TIME = 253_402_300_799;

/** Code points, so that a limit counted in characters is tested apart from UTF-16 units. */
function text(minCodePoints: number, maxCodePoints: number) {
  return fc.oneof(
    fc.string({ minLength: minCodePoints, maxLength: maxCodePoints, unit: 'grapheme-ascii' }),
    fc.integer({ min: minCodePoints, max: maxCodePoints }).map((n) => '😀'.repeat(n)),
  );
}

/** A source the intake's rule never matches and EventBridge takes. */
const otherSource = text(1, 256).filter(
  (source) => source !== HR_SOURCE && !source.startsWith('aws.') && source !== '',
);
const validBusName = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/),
  fc.constant('arn:aws:events:us-east-1:123456789012:event-bus/other'),
  fc.integer({ min: 1500, max: 1600 }).map((n) => 'b'.repeat(n)),
);

/** A wrong JSON type for a member of `type`, which the protocol cannot read. */
function wrongType(type: 'string' | 'timestamp' | 'list') {
  const values = {
    string: nonString.filter((value) => value !== null),
    timestamp: fc.oneof(
      fc.constantFrom('2026-01-01T00:00:00Z', '1700000000', ''),
      fc.string(),
      fc.boolean(),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
    ),
    list: fc.oneof(
      fc.string(),
      fc.integer(),
      fc.boolean(),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.string(), { maxKeys: 2 }),
      // A list, with a member that is not a string.
      fc
        .tuple(fc.array(fc.string(), { maxLength: 2 }), nonString)
        .filter(([, bad]) => bad !== null)
        .map(([good, bad]) => [...good, bad]),
    ),
  } as const;
  return values[type];
}

/** How EventBridge answers a member's value: refusing the request, failing the entry, or taking it. */
export type Outcome =
  | { request: 'SerializationException' | 'ValidationException' }
  | { entry: 'InvalidArgument' | 'MalformedDetail' | 'NotAuthorizedForSourceException' }
  | { ok: true };

type Member = { value: unknown; outcome: Outcome };
function refused(value: fc.Arbitrary<unknown>, outcome: Outcome): fc.Arbitrary<Member> {
  return value.map((v) => ({ value: v, outcome }));
}
const absent = fc.constantFrom(undefined, null);

/**
 * Every member of `PutEventsRequestEntry`: values EventBridge takes, and values it refuses with
 * the outcome each gets.
 */
export const MEMBERS = {
  Source: {
    valid: otherSource,
    invalid: fc.oneof(
      refused(fc.oneof(absent, fc.constant('')), { entry: 'InvalidArgument' }),
      refused(text(257, 300), { entry: 'InvalidArgument' }),
      refused(
        fc.string({ maxLength: 20 }).map((rest) => `aws.${rest}`),
        { entry: 'NotAuthorizedForSourceException' },
      ),
      refused(wrongType('string'), { request: 'SerializationException' }),
    ),
  },
  DetailType: {
    valid: text(1, 128),
    invalid: fc.oneof(
      refused(fc.oneof(absent, fc.constant('')), { entry: 'InvalidArgument' }),
      refused(text(129, 200), { entry: 'InvalidArgument' }),
      refused(wrongType('string'), { request: 'SerializationException' }),
    ),
  },
  Detail: {
    valid: validDetail,
    invalid: fc.oneof(
      refused(fc.oneof(absent, fc.constant('')), { entry: 'InvalidArgument' }),
      refused(malformedDetail, { entry: 'MalformedDetail' }),
      refused(wrongType('string'), { request: 'SerializationException' }),
    ),
  },
  EventBusName: {
    valid: fc.oneof(absent, validBusName),
    invalid: fc.oneof(
      refused(
        fc.oneof(
          fc.constantFrom(
            '',
            'a/b',
            'bus name',
            'bus!',
            'event-bus/',
            'arn:aws:events:::event-bus/x',
          ),
          fc.integer({ min: 1601, max: 2000 }).map((n) => 'b'.repeat(n)),
        ),
        { request: 'ValidationException' },
      ),
      refused(wrongType('string'), { request: 'SerializationException' }),
    ),
  },
  TraceHeader: {
    valid: fc.oneof(absent, text(1, 500)),
    invalid: fc.oneof(
      refused(fc.oneof(fc.constant(''), text(501, 600)), { request: 'ValidationException' }),
      refused(wrongType('string'), { request: 'SerializationException' }),
    ),
  },
  Time: {
    valid: fc.oneof(
      absent,
      fc.integer({ min: MIN_TIME, max: MAX_TIME }),
      fc.double({ min: 0, max: 2e9, noNaN: true }),
    ),
    invalid: fc.oneof(
      refused(
        fc.oneof(
          fc.double({ min: MAX_TIME + 1, max: 1e300, noNaN: true }),
          fc.double({ min: -1e300, max: MIN_TIME - 1, noNaN: true }),
          // Outside what a JavaScript Date can hold.
          fc.constantFrom(8.64e15 + 1, -8.64e15 - 1, 1e21, Number.MAX_VALUE, -Number.MAX_VALUE),
        ),
        { entry: 'InvalidArgument' },
      ),
      refused(wrongType('timestamp'), { request: 'SerializationException' }),
    ),
  },
  Resources: {
    valid: fc.oneof(absent, fc.array(fc.string({ maxLength: 60 }), { maxLength: 4 })),
    invalid: refused(wrongType('list'), { request: 'SerializationException' }),
  },
} as const;

type MemberName = keyof typeof MEMBERS;
const MEMBER_NAMES = Object.keys(MEMBERS) as MemberName[];

const validMembers = fc.record(
  Object.fromEntries(MEMBER_NAMES.map((name) => [name, MEMBERS[name].valid])) as Record<
    MemberName,
    fc.Arbitrary<unknown>
  >,
);

/**
 * An entry with every member valid but at most one, and the outcome that one gets. Its source
 * is never the HR source, so no entry ever reaches the intake.
 */
export const entryWithOneField = fc
  .tuple(
    validMembers,
    fc.option(
      fc
        .constantFrom(...MEMBER_NAMES)
        .chain((name) => MEMBERS[name].invalid.map((broken) => ({ name, ...broken }))),
      { nil: undefined },
    ),
  )
  .map(([members, broken]) => {
    const values: Record<string, unknown> = { ...members };
    if (broken) values[broken.name] = broken.value;
    const entry = Object.fromEntries(
      Object.entries(values).filter(([, value]) => value !== undefined),
    );
    const outcome: Outcome = broken?.outcome ?? { ok: true };
    return { entry, outcome, broken: broken?.name };
  });

/** Any JSON in every member: only the invariants hold, whatever the combination. */
export const entryOfAnything = fc
  .record(
    {
      Source: fc.oneof(otherSource, fc.jsonValue({ maxDepth: 1 })),
      DetailType: fc.oneof(text(1, 140), fc.jsonValue({ maxDepth: 1 })),
      Detail: fc.oneof(validDetail, malformedDetail, fc.jsonValue({ maxDepth: 1 })),
      EventBusName: fc.jsonValue({ maxDepth: 1 }),
      TraceHeader: fc.jsonValue({ maxDepth: 1 }),
      Time: fc.oneof(fc.double(), fc.jsonValue({ maxDepth: 1 })),
      Resources: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  )
  .filter((entry) => entry.Source !== HR_SOURCE);

/** An entry EventBridge fails on its own, and the error code it gets. */
export const invalidEntry = fc.oneof(
  fc.constant({ entry: null as unknown, code: 'InvalidArgument' }),
  // At least one of Source, DetailType, Detail missing, null or empty.
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
          fc.constantFrom(undefined, null, ''),
        )
        .map(([names, broken]) => {
          const copy: Record<string, unknown> = { ...entry };
          for (const name of names) copy[name] = broken;
          return { entry: copy as unknown, code: 'InvalidArgument' };
        }),
    ),
  fc
    .record({
      Source: fc.constant(HR_SOURCE),
      DetailType: fc.constantFrom(...DETAIL_TYPES),
      Detail: malformedDetail,
    })
    .map((entry) => ({ entry: entry as unknown, code: 'MalformedDetail' })),
);

/** A well-formed entry that the intake's rule must never match: source, type or bus differ. */
export const unmatchedEntry = fc
  .record({
    Source: fc.constant(HR_SOURCE),
    DetailType: fc.constantFrom(...DETAIL_TYPES),
    Detail: fc.oneof(validDetail, fc.integer({ min: 1, max: 20_000 }).map(nestedObjects)),
  })
  .chain((entry) =>
    fc.oneof(
      fc
        .oneof(
          fc.constantFrom('HR.events', 'hr.events ', ' hr.events', 'hr', 'hr.event', 'aws'),
          fc.string({ minLength: 1, maxLength: 30 }),
        )
        .filter((source) => source !== HR_SOURCE && !source.startsWith('aws.'))
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
export const refusedHrEntry = fc
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { PartSummary, RequestRecord } from '../../../shared/domain/request-record.ts';
import { summarizeRequest } from '../../../shared/domain/request-status.ts';

const CREATED = Date.parse('2026-04-01T08:00:00.000Z');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function record(accessorCount: number, overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: 'req-1',
    spaceId: 'SPSUMMARY000000000000001',
    source: 'event',
    requestedBy: 'hr.events (account 123456789012)',
    accessorCount,
    partCount: 1,
    createdAt: CREATED,
    expiresAt: CREATED + 30 * 86_400_000,
    ...overrides,
  };
}

function delivered(part: number, invited: number, skipped = 0, updatedAt = CREATED): PartSummary {
  return { part, outcome: 'delivered', invited, skipped, failed: 0, updatedAt };
}

function failed(
  part: number,
  count: number,
  reason: { errorType?: string; errorMessage?: string } = {},
  updatedAt = CREATED,
): PartSummary {
  return { part, outcome: 'failed', invited: 0, skipped: 0, failed: count, ...reason, updatedAt };
}

const DENIED = { errorType: 'AccessDeniedException', errorMessage: 'Not allowed' };
const INVALID = { errorType: 'ValidationException', errorMessage: 'Bad member' };

describe('summarizeRequest', () => {
  it('copies the record and writes every time as ISO 8601 in UTC', () => {
    const summary = summarizeRequest(record(3, { createdAt: 0, expiresAt: 1 }), []);

    assert.deepEqual(
      {
        requestId: summary.requestId,
        spaceId: summary.spaceId,
        source: summary.source,
        requestedBy: summary.requestedBy,
        createdAt: summary.createdAt,
        updatedAt: summary.updatedAt,
        expiresAt: summary.expiresAt,
      },
      {
        requestId: 'req-1',
        spaceId: 'SPSUMMARY000000000000001',
        source: 'event',
        requestedBy: 'hr.events (account 123456789012)',
        createdAt: '1970-01-01T00:00:00.000Z',
        updatedAt: '1970-01-01T00:00:00.000Z',
        expiresAt: '1970-01-01T00:00:00.001Z',
      },
    );
  });

  it('answers updatedAt as the latest of the record and its parts', () => {
    const parts = [
      delivered(1, 1, 0, CREATED + 5_000),
      failed(2, 1, DENIED, CREATED + 9_000),
      delivered(3, 1, 0, CREATED + 7_000),
    ];

    const later = summarizeRequest(record(3), parts);
    const none = summarizeRequest(record(3), []);
    const earlier = summarizeRequest(record(1), [delivered(1, 1, 0, CREATED - 1_000)]);

    assert.equal(later.updatedAt, new Date(CREATED + 9_000).toISOString());
    assert.equal(none.updatedAt, none.createdAt);
    assert.equal(earlier.updatedAt, earlier.createdAt);
  });

  const RULES: { name: string; total: number; parts: PartSummary[]; status: string }[] = [
    { name: 'Running with no part settled', total: 3, parts: [], status: 'Running' },
    {
      name: 'Running while one accessor is pending, though others failed',
      total: 3,
      parts: [failed(1, 2, DENIED)],
      status: 'Running',
    },
    {
      name: 'Succeeded when all were invited',
      total: 3,
      parts: [delivered(1, 3)],
      status: 'Succeeded',
    },
    {
      name: 'Succeeded when all were skipped',
      total: 3,
      parts: [delivered(1, 0, 3)],
      status: 'Succeeded',
    },
    {
      name: 'Failed when every accessor failed',
      total: 3,
      parts: [failed(1, 1, DENIED), failed(2, 2, INVALID)],
      status: 'Failed',
    },
    {
      name: 'CompletedWithErrors when one was invited and the rest failed',
      total: 3,
      parts: [delivered(1, 1), failed(2, 2, DENIED)],
      status: 'CompletedWithErrors',
    },
    {
      name: 'CompletedWithErrors when one was skipped and the rest failed',
      total: 3,
      parts: [delivered(1, 0, 1), failed(2, 2, DENIED)],
      status: 'CompletedWithErrors',
    },
    {
      name: 'Succeeded for a request of no accessors with nothing failed',
      total: 0,
      parts: [],
      status: 'Succeeded',
    },
  ];

  for (const rule of RULES) {
    it(`is ${rule.name}`, () => {
      const summary = summarizeRequest(record(rule.total), rule.parts);

      assert.equal(summary.status, rule.status);
    });
  }

  it('is Failed, with its reason, for a refused HR event that named no accessor', () => {
    // What the intake records for an event it parks before any accessor ID could be read.
    const parts = [failed(1, 0, { errorType: 'ValidationException', errorMessage: 'no detail' })];

    const summary = summarizeRequest(record(0), parts);

    assert.equal(summary.status, 'Failed');
    assert.deepEqual(summary.accessors, {
      total: 0,
      invited: 0,
      skipped: 0,
      pending: 0,
      failed: 0,
    });
    assert.deepEqual(summary.failures, [
      { errorType: 'ValidationException', errorMessage: 'no detail', accessorCount: 0 },
    ]);
  });

  it('groups failures by type and message, most accessors first, and names unknown reasons', () => {
    const parts = [
      failed(1, 2, DENIED),
      failed(2, 5, INVALID),
      failed(3, 4, DENIED),
      failed(4, 1, { errorType: 'ValidationException', errorMessage: 'Other member' }),
      failed(5, 3, {}),
      failed(6, 1, { errorType: 'ThrottlingException' }),
      delivered(7, 10),
    ];

    const summary = summarizeRequest(record(26), parts);

    assert.deepEqual(summary.failures, [
      { ...DENIED, accessorCount: 6 },
      { ...INVALID, accessorCount: 5 },
      { errorType: 'UnknownError', errorMessage: 'UnknownError', accessorCount: 3 },
      { errorType: 'ValidationException', errorMessage: 'Other member', accessorCount: 1 },
      {
        errorType: 'ThrottlingException',
        errorMessage: 'ThrottlingException',
        accessorCount: 1,
      },
    ]);
    assert.equal(summary.accessors.failed, 16);
  });

  it('keeps a reason that looks like another one apart from it', () => {
    // Joined naively, "a:b" + "c" and "a" + "b:c" would be one group.
    const parts = [
      failed(1, 1, { errorType: 'a:b', errorMessage: 'c' }),
      failed(2, 2, { errorType: 'a', errorMessage: 'b:c' }),
    ];

    const summary = summarizeRequest(record(3), parts);

    assert.equal(summary.failures.length, 2);
  });

  it('never answers a negative pending count, even for parts that count more than the request', () => {
    const summary = summarizeRequest(record(2), [delivered(1, 2), failed(2, 1, DENIED)]);

    assert.equal(summary.accessors.pending, 0);
    assert.equal(summary.accessors.total, 3);
  });

  /** A request and settled parts that are disjoint slices of it, as the pipeline writes them. */
  const requestWithParts = fc
    .array(
      fc.record({
        size: fc.integer({ min: 1, max: 1_000 }),
        settled: fc.constantFrom('pending', 'delivered', 'failed'),
        // Skipped stays 0 until invite-once lands; all skipped is the edge a failed part can reach.
        skippedShare: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
        reason: fc.constantFrom(DENIED, INVALID, {}, { errorType: 'ThrottlingException' }),
        updatedAt: fc.integer({ min: CREATED - 60_000, max: CREATED + 86_400_000 }),
      }),
      { maxLength: 30 },
    )
    .map((chunks) => ({
      total: chunks.reduce((sum, chunk) => sum + chunk.size, 0),
      parts: chunks.flatMap((chunk, index): PartSummary[] => {
        const skipped = Math.floor(chunk.size * chunk.skippedShare);
        if (chunk.settled === 'pending') return [];
        if (chunk.settled === 'delivered') {
          return [delivered(index + 1, chunk.size - skipped, skipped, chunk.updatedAt)];
        }
        return [
          {
            ...failed(index + 1, chunk.size - skipped, chunk.reason, chunk.updatedAt),
            skipped,
          },
        ];
      }),
    }));

  it('keeps total = invited + skipped + pending + failed = the accessor count, and picks the status by the rules', () => {
    fc.assert(
      fc.property(requestWithParts, ({ total, parts }) => {
        const summary = summarizeRequest(record(total), parts);

        const { accessors } = summary;
        const sum = (count: (part: PartSummary) => number) =>
          parts.reduce((acc, part) => acc + count(part), 0);
        assert.equal(
          accessors.total,
          accessors.invited + accessors.skipped + accessors.pending + accessors.failed,
        );
        assert.deepEqual(accessors, {
          total,
          invited: sum((part) => part.invited),
          skipped: sum((part) => part.skipped),
          pending: total - sum((part) => part.invited + part.skipped + part.failed),
          failed: sum((part) => part.failed),
        });
        const anyFailed = parts.some((part) => part.outcome === 'failed');
        const expected =
          accessors.pending > 0
            ? 'Running'
            : !anyFailed
              ? 'Succeeded'
              : accessors.invited + accessors.skipped === 0
                ? 'Failed'
                : 'CompletedWithErrors';
        assert.equal(summary.status, expected);
        const counts = summary.failures.map((failure) => failure.accessorCount);
        assert.deepEqual(
          counts,
          [...counts].sort((a, b) => b - a),
        );
        assert.equal(
          counts.reduce((acc, count) => acc + count, 0),
          accessors.failed,
        );
        const reasons = summary.failures.map((f) => `${f.errorType}\n${f.errorMessage}`);
        assert.equal(new Set(reasons).size, reasons.length, 'one group per reason');
        const latest = Math.max(CREATED, ...parts.map((part) => part.updatedAt));
        assert.equal(summary.updatedAt, new Date(latest).toISOString());
        for (const time of [summary.createdAt, summary.updatedAt, summary.expiresAt]) {
          assert.match(time, ISO);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});

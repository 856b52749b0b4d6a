import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeDeadLetter,
  groupDeadLetters,
  NO_ERROR_TYPE,
  type PeekedMessage,
} from '../../../scripts/console/dead-letters.ts';
import {
  REDRIVE_PROGRESS_PATH,
  redriveProgress,
} from '../../../scripts/console/pages/dead-letters-page.ts';

const PARKED = {
  ErrorType: 'ResourceNotFoundException',
  ErrorMessage: 'Space SPX not found',
  ParkedAt: '2026-12-01T08:00:00.000Z',
};

function message(body: unknown, attributes: Record<string, string> = PARKED): PeekedMessage {
  return {
    messageId: `m-${Math.random()}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes,
  };
}

const CHUNK = {
  v: 1,
  requestId: 'req-1',
  part: 1,
  parts: 1,
  spaceId: 'SPX',
  title: 't',
  body: 'b',
  accessorIds: ['a', 'b', 'c'],
};
const EVENT = {
  id: 'evt-1',
  'detail-type': 'Invite Requested',
  source: 'hr.events',
  detail: { accessorIds: ['a', 'b'] },
};

describe('describeDeadLetter', () => {
  it('reads a chunk’s request and accessor count, and its reason from the attributes', () => {
    // Act
    const letter = describeDeadLetter(message(CHUNK));

    // Assess
    assert.deepEqual(
      { ...letter, messageId: undefined },
      {
        messageId: undefined,
        kind: 'chunk',
        errorType: 'ResourceNotFoundException',
        errorMessage: 'Space SPX not found',
        parkedAt: '2026-12-01T08:00:00.000Z',
        requestId: 'req-1',
        accessorCount: 3,
      },
    );
  });

  it('takes an HR event’s ID as its request, as parked, in a failed invocation’s record, or by EventBridge', () => {
    // Act
    const parked = describeDeadLetter(
      message(EVENT, { ErrorType: 'InvalidMessage', ErrorMessage: 'x' }),
    );
    const record = describeDeadLetter(
      message(
        { requestContext: {}, requestPayload: { ...EVENT, detail: { accessorId: 'a' } } },
        {},
      ),
    );
    const eventBridge = describeDeadLetter(
      message(EVENT, { ERROR_CODE: 'SDK_CLIENT_ERROR', ERROR_MESSAGE: 'throttled' }),
    );

    // Assess
    assert.deepEqual(
      [parked, record, eventBridge].map(({ kind, requestId, accessorCount, errorType }) => ({
        kind,
        requestId,
        accessorCount,
        errorType,
      })),
      [
        { kind: 'hr-event', requestId: 'evt-1', accessorCount: 2, errorType: 'InvalidMessage' },
        { kind: 'hr-event', requestId: 'evt-1', accessorCount: 1, errorType: NO_ERROR_TYPE },
        { kind: 'hr-event', requestId: 'evt-1', accessorCount: 2, errorType: 'SDK_CLIENT_ERROR' },
      ],
    );
  });

  it('keeps a body it cannot read as other, with no request', () => {
    assert.deepEqual(
      (({ kind, requestId, accessorCount }) => ({ kind, requestId, accessorCount }))(
        describeDeadLetter(message('not json')),
      ),
      { kind: 'other', requestId: undefined, accessorCount: 0 },
    );
  });
});

describe('groupDeadLetters', () => {
  it('groups by ErrorType, largest first, HR events apart, each with what a redrive can do', () => {
    // Prepare
    const letters = [
      message(CHUNK),
      message(CHUNK),
      message(CHUNK, { ErrorType: 'AccessDeniedException', ErrorMessage: 'no' }),
      message(CHUNK, { ErrorType: 'EnqueueFailed', ErrorMessage: 'SQS down' }),
      message(EVENT, { ErrorType: 'EnqueueFailed', ErrorMessage: 'SQS down' }),
      // Parked for a 403 the console has no advice for: not to be redriven blindly.
      message(CHUNK, { ErrorType: 'InvalidSignatureException', ErrorMessage: 'bad' }),
    ].map(describeDeadLetter);

    // Act
    const groups = groupDeadLetters(letters);

    // Assess
    assert.deepEqual(
      groups.map(({ errorType, verdict, letters, accessorCount }) => [
        errorType,
        verdict,
        letters.length,
        accessorCount,
      ]),
      [
        ['ResourceNotFoundException', 'maybe', 2, 6],
        ['AccessDeniedException', 'hopeless', 1, 3],
        ['EnqueueFailed', 'retry', 1, 3],
        ['HR event: EnqueueFailed', 'hopeless', 1, 2],
        ['InvalidSignatureException', 'maybe', 1, 3],
      ],
    );
  });
});

describe('redriveProgress', () => {
  it('refreshes a running redrive from its own path, which reads no dead letters, and stops once it ends', () => {
    const running = redriveProgress({ running: true, startedAt: 1, lines: [] }).text;
    const ended = redriveProgress({
      running: false,
      startedAt: 1,
      outcome: 'completed',
      lines: [],
    }).text;

    assert.match(running, /data-refresh="1" data-refresh-from="\/dead-letters\/redrive\/progress"/);
    assert.doesNotMatch(ended, /data-refresh/);
    assert.equal(REDRIVE_PROGRESS_PATH, '/dead-letters/redrive/progress');
  });
});

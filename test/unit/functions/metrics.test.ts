import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { createIntakeHandler } from '../../../functions/intake/intake.ts';
import { createWorkerHandler } from '../../../functions/worker/worker.ts';
import { readIntakeConfig } from '../../../shared/config/intake-config.ts';
import { encodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import {
  hrEvent,
  httpInviteEvent,
  lambdaContext,
  sqsEvent,
  sqsRecord,
} from '../../helpers/events.ts';
import {
  RecordingDeadLetters,
  RecordingQueue,
  RecordingVisibility,
  ScriptedSender,
  serviceError,
} from '../../helpers/fakes.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';
import { captureOutput, silentLogger } from '../../helpers/logs.ts';

// This file reads the EMF the functions print, so metrics must not be disabled here.
delete process.env.POWERTOOLS_METRICS_DISABLED;
delete process.env.POWERTOOLS_DEV;

const SPACE = 'SPEXAMPLE00000000000000';

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] };
  [key: string]: unknown;
}

/** The EMF documents in captured output, one per JSON line that has `_aws`. */
function emf(output: string): EmfDocument[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
}

/** Sums each metric over the documents, keyed `Name` or `Name{Dimension=value}` for extra dimensions. */
function totals(documents: EmfDocument[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const document of documents) {
    const dimensions = document._aws.CloudWatchMetrics.flatMap((entry) => entry.Dimensions.flat());
    const extra = dimensions
      .filter((name) => name !== 'service')
      .map((name) => `${name}=${document[name]}`)
      .join(',');
    for (const [name, value] of Object.entries(document)) {
      if (typeof value !== 'number' && !Array.isArray(value)) continue;
      if (dimensions.includes(name) || name === '_aws') continue;
      const values = (Array.isArray(value) ? value : [value]) as number[];
      const key = extra === '' ? name : `${name}{${extra}}`;
      sums[key] = (sums[key] ?? 0) + values.reduce((sum, item) => sum + item, 0);
    }
  }
  return sums;
}

function metrics() {
  return new Metrics({ namespace: 'Test', serviceName: 'test' });
}

describe('intake metrics', () => {
  it('counts accepted requests, accessors and chunks, rejections by reason and parked HR events', async () => {
    // Prepare
    const handler = createIntakeHandler({
      config: readIntakeConfig({
        INVITES_QUEUE_URL: 'http://queue/invites',
        LEDGER_TABLE_NAME: 'test-ledger',
        DEAD_LETTER_QUEUE_URL: 'http://queue/dlq',
        ALLOWED_SPACE_IDS: SPACE,
      }),
      ports: {
        queue: new RecordingQueue(),
        deadLetters: new RecordingDeadLetters(),
        ledger: new MemoryLedger(),
      },
      logger: silentLogger(),
      metrics: metrics(),
    });
    const ids = Array.from({ length: 1_500 }, (_, index) => `user-${index}`);
    const invite = { accessorIds: ids, title: 'Welcome', body: 'Join' };

    // Act
    const { output } = await captureOutput(async () => {
      await handler(httpInviteEvent({ spaceId: SPACE, body: invite }), lambdaContext());
      await handler(
        httpInviteEvent({ spaceId: SPACE, body: { ...invite, title: '' } }),
        lambdaContext(),
      );
      await handler(httpInviteEvent({ spaceId: 'SPOTHER', body: invite }), lambdaContext());
      await handler(
        hrEvent('Employee Onboarded', { accessorId: 'x', spaceId: SPACE }),
        lambdaContext(),
      );
      await handler(hrEvent('Employee Onboarded', { spaceId: SPACE }), lambdaContext());
    });

    // Assess
    assert.deepEqual(totals(emf(output)), {
      RequestsAccepted: 2,
      AccessorsAccepted: 1_501,
      ChunksQueued: 3,
      'RequestsRejected{Reason=fieldValidationFailed}': 2,
      'RequestsRejected{Reason=AccessDeniedException}': 1,
      HrEventsParked: 1,
    });
  });
});

describe('worker metrics', () => {
  it('counts calls, accessors invited, throttles, failures and parked chunks', async () => {
    // Prepare
    const sender = new ScriptedSender((input) => {
      if (input.title === 'throttled')
        return serviceError('ThrottlingException', { retryAfterSeconds: 2 });
      if (input.title === 'refused') return serviceError('AccessDeniedException');
      return undefined;
    });
    const handler = createWorkerHandler({
      config: { callBudgetMs: 1_000 },
      ports: {
        sender,
        visibility: new RecordingVisibility(),
        deadLetters: new RecordingDeadLetters(),
      },
      logger: silentLogger(),
      metrics: metrics(),
    });
    const chunk = (title: string, accessorIds: string[]) =>
      sqsRecord(
        encodeInviteChunk({
          v: 1,
          requestId: 'r',
          part: 1,
          parts: 1,
          spaceId: SPACE,
          title,
          body: 'b',
          accessorIds,
        }),
      );

    // Act
    const { output } = await captureOutput(async () => {
      await handler(sqsEvent([chunk('ok', ['a', 'b', 'c'])]), lambdaContext());
      await handler(sqsEvent([chunk('refused', ['d'])]), lambdaContext());
      await handler(sqsEvent([chunk('throttled', ['e'])]), lambdaContext());
    });
    const sums = totals(emf(output));

    // Assess
    assert.equal(sums.SendInvitesCalls, 3);
    assert.equal(sums.AccessorsInvited, 3);
    assert.equal(sums.SendInvitesThrottled, 1);
    assert.equal(sums.SendInvitesFailed, 1);
    assert.equal(sums.ChunksDeadLettered, 1);
    assert.ok((sums.SendInvitesLatency ?? -1) >= 0);
  });
});

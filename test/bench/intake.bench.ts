/**
 * Intake benchmark: for 100,000 accessor IDs, times (a) the intake's own work on the body's text
 * (read, validate, de-duplicate, chunk, encode), (b) the whole intake handler against fauxqs with
 * the request ledger on dynalite, (b0) the same with an in-memory ledger, and (c) the same
 * SendMessageBatch calls issued directly with the SDK (the intake's `AcceptedAt` attribute on
 * each entry), interleaved in one run. fauxqs and dynalite each run in their own process, as SQS
 * and DynamoDB are remote to a Lambda function.
 * Usage: npm run bench:intake [-- --ids 100000 --rounds 15]
 */

import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { readInviteBody } from '../../functions/intake/http-invite.ts';
import { createIntakeHandler, type IntakePorts } from '../../functions/intake/intake.ts';
import { DynamoDbRequestLedger } from '../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { ACCEPTED_AT_ATTRIBUTE, SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { SQS_LIMITS } from '../../shared/domain/constants.ts';
import { encodeInviteChunk, planInviteChunks } from '../../shared/domain/invite-chunk.ts';
import { packBatches } from '../../shared/lib/pack-batches.ts';
import { httpInviteEvent, lambdaContext } from '../helpers/events.ts';
import { MemoryLedger, startDynamoDb } from '../helpers/ledger.ts';
import { silentLogger } from '../helpers/logs.ts';
import { startSqs } from '../helpers/sqs.ts';
import { writeBenchResults } from './bench-results.ts';
import { median } from './stats.ts';

const TARGET_RATIO = 1.3;
const { values } = parseArgs({
  options: {
    ids: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '15' },
  },
});
const idCount = Number(values.ids);
const rounds = Number(values.rounds);
const loadBefore = loadavg()[0] ?? 0;

const [sqs, dynamodb] = await Promise.all([
  startSqs({ outOfProcess: true }),
  startDynamoDb({ outOfProcess: true }),
]);
let calls = 0;
sqs.client.middlewareStack.add(
  (next, context) => async (args) => {
    if (context.commandName === 'SendMessageBatchCommand') calls++;
    return next(args);
  },
  { step: 'initialize', name: 'countBatchCalls' },
);
const config = readIntakeConfig({
  INVITES_QUEUE_URL: sqs.invitesUrl,
  LEDGER_TABLE_NAME: dynamodb.tableName,
  DEAD_LETTER_QUEUE_URL: sqs.deadLetterUrl,
});
function intake(ledger: IntakePorts['ledger']) {
  return createIntakeHandler({
    config,
    logger: silentLogger(),
    ports: {
      queue: new SqsInviteQueue({ client: sqs.client, queueUrl: sqs.invitesUrl }),
      deadLetters: new SqsDeadLetterQueue({ client: sqs.client, queueUrl: sqs.deadLetterUrl }),
      ledger,
    },
  });
}
const withLedger = intake(
  new DynamoDbRequestLedger({ client: dynamodb.client, tableName: dynamodb.tableName }),
);
const withoutLedger = intake(new MemoryLedger());

const payload = {
  accessorIds: Array.from(
    { length: idCount },
    (_, index) => `user-${index.toString(36)}@example.com`,
  ),
  title: 'Welcome to the engineering space',
  body: 'Join the private re:Post of our engineering organisation.',
};
const rawBody = JSON.stringify(payload);
const spaceId = 'SPEXAMPLE00000000000000';

/** What the intake does with the body before the ledger and SQS: read, check, split, encode. */
function chunkBodies(text: string): string[] {
  const { request } = readInviteBody(spaceId, text);
  return planInviteChunks(request, 'bench', config.maxChunkBytes).map(encodeInviteChunk);
}
const bodies = chunkBodies(rawBody);
const batches = packBatches(
  bodies.map((body, index) => ({ id: String(index + 1), body })),
  { maxEntries: SQS_LIMITS.maxBatchEntries, maxBytes: SQS_LIMITS.maxBatchBytes },
);
const totalBytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
const minimumCalls = Math.max(
  Math.ceil(bodies.length / SQS_LIMITS.maxBatchEntries),
  Math.ceil(totalBytes / SQS_LIMITS.maxBatchBytes),
);

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

async function purge() {
  await sqs.client.send(new PurgeQueueCommand({ QueueUrl: sqs.invitesUrl }));
}

/** One request through `handler`; resolves to its time and its SendMessageBatch calls. */
async function invite(handler: typeof withLedger) {
  await purge();
  calls = 0;
  // Each event has a request ID of its own, as API Gateway gives: each request is recorded anew.
  const ms = await timed(() =>
    handler(httpInviteEvent({ spaceId, rawBody }), lambdaContext()).then((response) => {
      if ((response as { statusCode: number }).statusCode !== 202)
        throw new Error('intake did not accept');
    }),
  );
  return { ms, calls };
}

const samples = {
  chunking: [] as number[],
  intake: [] as number[],
  intakeWithoutLedger: [] as number[],
  raw: [] as number[],
  calls: [] as number[],
};
await dynamodb.calls({ reset: true });
for (let round = 0; round < rounds + 2; round++) {
  // (a) is the intake's own work on the body's text, as (b) does it, without the ledger and SQS.
  const chunking = await timed(async () => chunkBodies(rawBody));
  const ledger = await invite(withLedger);
  const memory = await invite(withoutLedger);
  await purge();
  const raw = await timed(() => {
    // The attribute the intake puts on every entry, so that (c) sends what (b) sends.
    const attributes = {
      [ACCEPTED_AT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(Date.now()) },
    };
    return Promise.all(
      batches.map((batch) =>
        sqs.client.send(
          new SendMessageBatchCommand({
            QueueUrl: sqs.invitesUrl,
            Entries: batch.map((message) => ({
              Id: message.id,
              MessageBody: message.body,
              MessageAttributes: attributes,
            })),
          }),
        ),
      ),
    );
  });
  // The first two rounds warm up the JIT and the connections.
  if (round < 2) continue;
  samples.chunking.push(chunking);
  samples.intake.push(ledger.ms);
  samples.intakeWithoutLedger.push(memory.ms);
  samples.raw.push(raw);
  samples.calls.push(ledger.calls, memory.calls);
}
const ledgerCalls = await dynamodb.calls();
await Promise.all([sqs.stop(), dynamodb.stop()]);

const range = (list: number[]) => [Math.min(...list), Math.max(...list)];
const intakeMs = median(samples.intake);
const withoutLedgerMs = median(samples.intakeWithoutLedger);
const rawMs = median(samples.raw);
const result = {
  loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
  accessorIds: idCount,
  messages: bodies.length,
  rounds,
  chunkingMs: median(samples.chunking),
  intakeMs,
  intakeMsRange: range(samples.intake),
  intakeWithoutLedgerMs: withoutLedgerMs,
  intakeWithoutLedgerMsRange: range(samples.intakeWithoutLedger),
  rawSendMessageBatchMs: rawMs,
  rawSendMessageBatchMsRange: range(samples.raw),
  ratio: intakeMs / rawMs,
  ratioWithoutLedger: withoutLedgerMs / rawMs,
  ledgerCostMs: intakeMs - withoutLedgerMs,
  /** DynamoDB calls per request, by operation (the table's creation left out). */
  ledgerCallsPerRequest: Object.fromEntries(
    Object.entries(ledgerCalls).map(([operation, { count }]) => [operation, count / (rounds + 2)]),
  ),
  sqsCalls: Math.max(...samples.calls),
  minimumSqsCalls: minimumCalls,
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const spread = (value: number, [low, high]: number[]) =>
  `${ms(value)} (${(low as number).toFixed(1)}–${(high as number).toFixed(1)})`;
console.table({
  '(a) read + validate + dedupe + chunk + encode': ms(result.chunkingMs),
  '(b) intake end to end, ledger on dynalite': spread(intakeMs, result.intakeMsRange),
  '(b0) intake end to end, ledger in memory': spread(
    withoutLedgerMs,
    result.intakeWithoutLedgerMsRange,
  ),
  '(c) raw SendMessageBatch': spread(rawMs, result.rawSendMessageBatchMsRange),
  'ratio (b)/(c)': `${result.ratio.toFixed(2)} (target ≤ ${TARGET_RATIO})`,
  'ratio (b0)/(c)': result.ratioWithoutLedger.toFixed(2),
  'the ledger: (b) − (b0)': `${ms(result.ledgerCostMs)} (${(intakeMs / withoutLedgerMs).toFixed(2)}×)`,
  'ledger calls per request': Object.entries(result.ledgerCallsPerRequest)
    .map(([operation, count]) => `${count} ${operation}`)
    .join(', '),
  'SQS calls (intake / minimum)': `${result.sqsCalls} / ${result.minimumSqsCalls}`,
  'load average (before / after)': `${result.loadAverage.before.toFixed(2)} / ${result.loadAverage.after.toFixed(2)}`,
});
writeBenchResults('intake', result);
if (result.sqsCalls !== result.minimumSqsCalls) process.exitCode = 1;

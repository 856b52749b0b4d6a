/**
 * Intake benchmark: for 100,000 accessor IDs, times (a) validation, de-duplication and
 * chunking, (b) the whole intake handler against an embedded fauxqs, and (c) the same
 * SendMessageBatch calls issued directly with the SDK, interleaved in one run.
 * Usage: npm run bench:intake [-- --ids 100000 --rounds 15]
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createIntakeHandler } from '../../functions/intake/intake.ts';
import { SqsDeadLetterQueue } from '../../shared/adapters/sqs-dead-letter-queue.ts';
import { SqsInviteQueue } from '../../shared/adapters/sqs-invite-queue.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { SQS_LIMITS } from '../../shared/domain/constants.ts';
import { encodeInviteChunk, planInviteChunks } from '../../shared/domain/invite-chunk.ts';
import { parseInviteRequest } from '../../shared/domain/invite-request.ts';
import { packBatches } from '../../shared/lib/pack-batches.ts';
import { httpInviteEvent, lambdaContext } from '../helpers/events.ts';
import { MemoryLedger } from '../helpers/ledger.ts';
import { silentLogger } from '../helpers/logs.ts';
import { startSqs } from '../helpers/sqs.ts';

const { values } = parseArgs({
  options: {
    ids: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '15' },
  },
});
const idCount = Number(values.ids);
const rounds = Number(values.rounds);

// SQS is remote to a Lambda function, so the emulator gets its own process (and core).
const sqs = await startSqs({ outOfProcess: true });
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
  LEDGER_TABLE_NAME: 'test-ledger',
  DEAD_LETTER_QUEUE_URL: sqs.deadLetterUrl,
});
const handler = createIntakeHandler({
  config,
  logger: silentLogger(),
  ports: {
    queue: new SqsInviteQueue({ client: sqs.client, queueUrl: sqs.invitesUrl }),
    deadLetters: new SqsDeadLetterQueue({ client: sqs.client, queueUrl: sqs.deadLetterUrl }),
    ledger: new MemoryLedger(),
  },
});

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

function chunkBodies(parsed: unknown): string[] {
  const request = parseInviteRequest(spaceId, parsed);
  return planInviteChunks(request, 'bench', config.maxChunkBytes).map(encodeInviteChunk);
}
const bodies = chunkBodies(JSON.parse(rawBody));
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

const samples = {
  chunking: [] as number[],
  intake: [] as number[],
  raw: [] as number[],
  calls: [] as number[],
};
for (let round = 0; round < rounds + 2; round++) {
  // Parsed outside the timing: (a) is the pipeline's own work on an already parsed body.
  const parsed: unknown = JSON.parse(rawBody);
  const chunking = await timed(async () => chunkBodies(parsed));
  await purge();
  calls = 0;
  const intake = await timed(() =>
    handler(httpInviteEvent({ spaceId, rawBody }), lambdaContext()).then((response) => {
      if ((response as { statusCode: number }).statusCode !== 202)
        throw new Error('intake did not accept');
    }),
  );
  const intakeCalls = calls;
  await purge();
  const raw = await timed(() =>
    Promise.all(
      batches.map((batch) =>
        sqs.client.send(
          new SendMessageBatchCommand({
            QueueUrl: sqs.invitesUrl,
            Entries: batch.map((message) => ({ Id: message.id, MessageBody: message.body })),
          }),
        ),
      ),
    ),
  );
  // The first two rounds warm up the JIT and the connections.
  if (round < 2) continue;
  samples.chunking.push(chunking);
  samples.intake.push(intake);
  samples.raw.push(raw);
  samples.calls.push(intakeCalls);
}
await sqs.stop();

const median = (list: number[]) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};
const result = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
  accessorIds: idCount,
  messages: bodies.length,
  rounds,
  chunkingMs: median(samples.chunking),
  intakeMs: median(samples.intake),
  rawSendMessageBatchMs: median(samples.raw),
  ratio: median(samples.intake) / median(samples.raw),
  sqsCalls: Math.max(...samples.calls),
  minimumSqsCalls: minimumCalls,
};
console.table({
  '(a) validate + dedupe + chunk': `${result.chunkingMs.toFixed(1)} ms`,
  '(b) intake end to end': `${result.intakeMs.toFixed(1)} ms`,
  '(c) raw SendMessageBatch': `${result.rawSendMessageBatchMs.toFixed(1)} ms`,
  'ratio (b)/(c)': `${result.ratio.toFixed(2)} (target ≤ 1.15)`,
  'SQS calls (intake / minimum)': `${result.sqsCalls} / ${result.minimumSqsCalls}`,
});
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/intake.json', `${JSON.stringify(result, null, 2)}\n`);
if (result.sqsCalls !== result.minimumSqsCalls) process.exitCode = 1;

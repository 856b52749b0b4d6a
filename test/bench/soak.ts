/**
 * Soak: pushes 1,000,000 accessors through the local stack in this process, as HTTP requests of
 * 20,000 IDs, while the re:Post Private simulator throttles (50 calls/s, burst 50) and fails on
 * purpose (2% 500s, 1% dropped connections). Reports delivered, duplicates, dead-lettered, lost
 * (accepted − distinct delivered − dead-lettered: must be 0), wall time and peak RSS, and checks
 * the request ledger: the status API's counts, summed over the requests, must equal what the
 * simulator itself counted (invited) and what was dead-lettered (failed).
 * Estimate: 1,000 chunks at 50 calls/s is 20 s of delivery at best; retries and pacing add some.
 * It gives up after --deadline seconds (default 600) and reports what it has.
 * The ledger (and the invite history, unless --reinvite-after-days 0) lives in dynalite, in a
 * process of its own.
 * Usage: npm run soak [-- --accessors 1000000 --per-request 20000 --deadline 600
 *                        --reinvite-after-days 7]
 */
import { parseArgs } from 'node:util';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_DEMO_SPACE_ID } from '../../infra/local/local-config.ts';
import { startRepostspaceSimulator } from '../../infra/local/repostspace-simulator/index.ts';
import { decodeInviteChunk } from '../../shared/domain/invite-chunk.ts';
import { startDynamoDb } from '../helpers/ledger.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';
import { writeBenchResults } from './bench-results.ts';

const { values } = parseArgs({
  options: {
    accessors: { type: 'string', default: '1000000' },
    'per-request': { type: 'string', default: '20000' },
    deadline: { type: 'string', default: '600' },
    'reinvite-after-days': { type: 'string', default: '7' },
  },
});
const ACCESSORS = Number(values.accessors);
const PER_REQUEST = Number(values['per-request']);
const DEADLINE_MS = Number(values.deadline) * 1000;
const THROTTLE = { ratePerSecond: 50, burst: 50, retryAfterSeconds: 1 };
const FAULTS = { internalErrorRate: 0.02, dropConnectionRate: 0.01 };
const SPACE = LOCAL_DEMO_SPACE_ID;

let peakRss = process.memoryUsage.rss();
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
}, 250);

const started = Date.now();
const deadline = started + DEADLINE_MS;
const state = tempStateDir();
const simulator = await startRepostspaceSimulator({
  throttle: THROTTLE,
  faults: FAULTS,
  recentDeliveryLimit: 0,
});
// DynamoDB is remote to the functions: dynalite answers from a process of its own.
const dynamodb = await startDynamoDb({ outOfProcess: true });
const stack = await startTestStack({
  LOCAL_STATE_DIR: state.path,
  AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
  AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
  REINVITE_AFTER_DAYS: values['reinvite-after-days'],
  // The failed calls are logged at WARN on purpose; keep them out of the report.
  POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'ERROR',
});
const sqs = new SQSClient({
  endpoint: stack.sqsEndpoint,
  region: TEST_REGION,
  credentials: TEST_CREDENTIALS,
});

let accepted = 0;
let refused = 0;
let messages = 0;
const requestIds: string[] = [];
for (let first = 0; first < ACCESSORS; first += PER_REQUEST) {
  const count = Math.min(PER_REQUEST, ACCESSORS - first);
  const accessorIds = Array.from({ length: count }, (_, n) => `employee-${first + n}@example.com`);
  const response = await fetch(`${stack.httpUrl}/spaces/${SPACE}/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessorIds, title: 'Welcome', body: 'Join the company space' }),
  });
  const body = (await response.json()) as {
    requestId?: string;
    accessorCount?: number;
    messageCount?: number;
  };
  if (response.status === 202) {
    requestIds.push(String(body.requestId));
    accepted += body.accessorCount ?? 0;
    messages += body.messageCount ?? 0;
  } else {
    refused += count;
  }
}
const intakeSeconds = (Date.now() - started) / 1000;
process.stdout.write(
  `accepted ${accepted} accessors in ${messages} messages in ${intakeSeconds.toFixed(1)} s; delivering…\n`,
);

/** Accessor IDs parked in the DLQ, read off their chunks (received once, kept in flight). */
const parked = new Set<string>();
async function collectParked(): Promise<void> {
  for (let round = 0; round < 1_000; round++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: stack.queues.deadLetter.url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 3_600,
      }),
    );
    if (Messages.length === 0) return;
    for (const message of Messages) {
      for (const id of decodeInviteChunk(message.Body ?? '').accessorIds) parked.add(id);
    }
  }
}

// Waits on the simulator's deliveries; every 5 s (no event says a chunk was parked) it reads
// the DLQ too. Bounded by the deadline.
let timedOut = false;
while (simulator.stats().distinctAccessors + parked.size < accepted) {
  const left = deadline - Date.now();
  if (left <= 0) {
    timedOut = true;
    break;
  }
  const missing = accepted - simulator.stats().distinctAccessors - parked.size;
  await simulator
    .waitForDeliveredAccessors(simulator.stats().deliveredAccessors + missing, {
      signal: AbortSignal.timeout(Math.min(5_000, left)),
    })
    .catch(() => undefined);
  await collectParked();
}
const wallSeconds = (Date.now() - started) / 1000;

interface Counts {
  invited: number;
  skipped: number;
  pending: number;
  failed: number;
}
/** Every request's counts from the status API, summed, once none is still running (or the deadline). */
async function ledgerCounts(): Promise<Counts & { running: number }> {
  for (;;) {
    const totals = { invited: 0, skipped: 0, pending: 0, failed: 0, running: 0 };
    for (const requestId of requestIds) {
      const response = await fetch(`${stack.httpUrl}/requests/${requestId}`);
      const status = (await response.json()) as { status: string; accessors: Counts };
      for (const key of ['invited', 'skipped', 'pending', 'failed'] as const)
        totals[key] += status.accessors[key];
      if (status.status === 'Running') totals.running++;
    }
    if (totals.running === 0 || Date.now() >= deadline) return totals;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
const ledger = await ledgerCounts();
const stats = simulator.stats();
const summary = await stack.summary();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage.rss());

// A parked chunk's accessors count once even if an earlier attempt had delivered them.
const parkedOnly = [...parked].filter((id) => simulator.deliveries.count(SPACE, id) === 0).length;
const result = {
  accessors: ACCESSORS,
  perRequest: PER_REQUEST,
  reinviteAfterDays: Number(values['reinvite-after-days']),
  requests: Math.ceil(ACCESSORS / PER_REQUEST),
  accepted,
  refused,
  messages,
  delivered: stats.distinctAccessors,
  duplicates: stats.duplicateAccessors,
  deadLettered: parked.size,
  lost: accepted - stats.distinctAccessors - parkedOnly,
  timedOut,
  intakeSeconds,
  wallSeconds,
  idealDeliverySeconds: messages / THROTTLE.ratePerSecond,
  calls: stats.calls,
  throttled: stats.throttled,
  internalErrors: stats.internalErrors,
  dropped: stats.dropped,
  stillQueued: summary.queued + summary.inFlight,
  ledger,
  ledgerMatches: ledger.invited === stats.distinctAccessors && ledger.failed === parked.size,
  peakRssMiB: peakRss / 2 ** 20,
  maxRssMiB: process.resourceUsage().maxRSS / 1024,
};

await stack.stop();
await simulator.stop();
await dynamodb.stop();
sqs.destroy();
state.cleanup();

console.table({
  accepted: result.accepted,
  delivered: result.delivered,
  duplicates: result.duplicates,
  'dead-lettered': result.deadLettered,
  lost: result.lost,
  'wall s': result.wallSeconds.toFixed(1),
  'intake s': result.intakeSeconds.toFixed(1),
  'ideal delivery s': result.idealDeliverySeconds.toFixed(1),
  calls: result.calls,
  throttled: result.throttled,
  '500s': result.internalErrors,
  dropped: result.dropped,
  'ledger invited': ledger.invited,
  'ledger failed': ledger.failed,
  'ledger pending': ledger.pending,
  'ledger = simulator': result.ledgerMatches,
  'peak RSS MiB': result.peakRssMiB.toFixed(0),
  'maxRSS MiB': result.maxRssMiB.toFixed(0),
});
writeBenchResults('soak', {
  throttle: THROTTLE,
  faults: FAULTS,
  result,
});
// The stack's pollers and sockets are closed; exit even if a keep-alive timer lingers.
process.exit(result.lost === 0 && !timedOut && refused === 0 && result.ledgerMatches ? 0 : 1);

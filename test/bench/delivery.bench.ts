/**
 * Delivery benchmark: runs the local stack with the simulator throttling at R calls/s and
 * measures how close the pipeline gets to the limit. Scenarios: bulk (100 chunks) and trickle
 * (2,000 single-accessor onboarding events over ~20 s), each with every worker count given, each
 * run several times on a fresh stack (runs interleaved); then what pacing costs per call.
 * Usage: npm run bench:delivery [-- --workers 2,5,10 --runs 3 --scenarios bulk,trickle,cost]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../infra/local/local-config.ts';
import { startRepostspaceSimulator } from '../../infra/local/repostspace-simulator/index.ts';
import type { DynaliteCallStats } from '../helpers/dynalite-child.ts';
import { startDynamoDb } from '../helpers/ledger.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { TEST_CREDENTIALS } from '../helpers/sqs.ts';
import { postInvite } from '../helpers/stack-api.ts';
import { writeBenchResults } from './bench-results.ts';
import { measurePacingCost, type PacingCost } from './pacing-cost.ts';
import { fixed, median, spread } from './stats.ts';

const RATE = 5;
const THROTTLE = { ratePerSecond: RATE, burst: 5, retryAfterSeconds: 1 };
const TARGETS = { efficiency: 0.95, wastedShare: 0.05, trickleCallsPerAccessor: 0.02 };
const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'bulk,trickle,cost' },
    workers: { type: 'string', default: '2,5,10' },
    runs: { type: 'string', default: '3' },
    // Experiments only: replace serverless.yml's event source mapping settings.
    'batch-size': { type: 'string' },
    'batching-window': { type: 'string' },
    // Experiments only: the worker's TOP_UP_WINDOW_MS (0: no top-up), else serverless.yml's.
    'top-up-window': { type: 'string' },
  },
});
const scenarios = (values.scenarios ?? '').split(',').map((name) => name.trim());
const workerCounts = (values.workers ?? '').split(',').map(Number);
const runs = Number(values.runs);

interface Run {
  scenario: 'bulk' | 'trickle';
  workers: number;
  accessors: number;
  chunks: number;
  idealSeconds: number;
  seconds: number;
  efficiency: number;
  calls: number;
  throttled: number;
  wastedShare: number;
  callsPerAccessor: number;
  maxWaitSeconds: number;
  /** The batching window plus one quota interval: the longest any accessor may wait in trickle. */
  maxWaitTargetSeconds: number;
  duplicates: number;
  lost: number;
  /** DynamoDB calls on the shared rate item per SendInvites call, by operation. */
  rateCallsPerCall: Record<string, number>;
  /** DynamoDB calls on call group and hand-off items per SendInvites call, all operations. */
  groupCallsPerCall: number;
  loadAverage: number;
}

interface Observed {
  seconds: number;
  idealSeconds: number;
  chunks: number;
  accessors: number;
  maxWaitSeconds: number;
}

async function withStack(
  scenario: Run['scenario'],
  workers: number,
  drive: (context: Awaited<ReturnType<typeof setUp>>) => Promise<Observed>,
): Promise<Run> {
  const loadAverage = loadavg()[0] ?? 0;
  const context = await setUp(workers);
  try {
    const observed = await drive(context);
    const stats = context.simulator.stats();
    const rate = await context.dynamodb.calls();
    // Small batches are gathered by the mapping's window, or by the worker's top-up window,
    // which counts from the request's acceptance: the longer of the two.
    const { worker } = context.stack.definitions;
    const topUpMs = Number(values['top-up-window'] ?? worker.topUpWindowMs);
    const window = Math.max(worker.maximumBatchingWindowSeconds, topUpMs / 1000);
    return {
      scenario,
      workers,
      ...observed,
      efficiency: scenario === 'bulk' ? observed.idealSeconds / observed.seconds : Number.NaN,
      calls: stats.calls,
      throttled: stats.throttled,
      wastedShare: stats.calls === 0 ? 0 : stats.throttled / stats.calls,
      callsPerAccessor: stats.calls / observed.accessors,
      maxWaitTargetSeconds: window + 1 / RATE,
      duplicates: stats.duplicateAccessors,
      lost: observed.accessors - stats.distinctAccessors,
      rateCallsPerCall: rateCallsPer(rate, stats.calls),
      groupCallsPerCall: groupCallsPer(rate, stats.calls),
      loadAverage,
    };
  } finally {
    await context.stack.stop();
    await context.simulator.stop();
    await context.dynamodb.stop();
    context.state.cleanup();
  }
}

function groupCallsPer(stats: DynaliteCallStats, calls: number): number {
  const group = Object.entries(stats).filter(([operation]) => operation.endsWith('GROUP#'));
  return group.reduce((sum, [, { count }]) => sum + count, 0) / Math.max(calls, 1);
}

function rateCallsPer(stats: DynaliteCallStats, calls: number): Record<string, number> {
  return Object.fromEntries(
    Object.entries(stats)
      .filter(([operation]) => operation.endsWith('RATE#'))
      .map(([operation, { count }]) => [operation.split(' ')[0], count / calls]),
  );
}

async function setUp(workers: number) {
  const state = tempStateDir();
  // DynamoDB is remote to a Lambda function: dynalite gets its own process (and core).
  const dynamodb = await startDynamoDb({ outOfProcess: true });
  const simulator = await startRepostspaceSimulator({
    throttle: THROTTLE,
    recentDeliveryLimit: 100_000,
  });
  const stack = await startTestStack({
    LOCAL_STATE_DIR: state.path,
    AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    LOCAL_WORKER_CONCURRENCY: String(workers),
    ...(values['batch-size'] ? { LOCAL_WORKER_BATCH_SIZE: values['batch-size'] } : {}),
    ...(values['batching-window']
      ? { LOCAL_WORKER_BATCHING_WINDOW: values['batching-window'] }
      : {}),
    ...(values['top-up-window'] ? { TOP_UP_WINDOW_MS: values['top-up-window'] } : {}),
  });
  return { state, dynamodb, simulator, stack };
}

function bulk(workers: number): Promise<Run> {
  return withStack('bulk', workers, async ({ simulator, stack }) => {
    const ids = Array.from({ length: 100_000 }, (_, index) => `employee-${index}@example.com`);
    const answer = await postInvite(stack, LOCAL_DEMO_SPACE_ID, ids);
    const accepted = Date.now();
    if (answer.status !== 202) throw new Error(`the intake answered ${answer.status}`);
    const messageCount = Number(answer.body.messageCount);
    await simulator.waitForDeliveredAccessors(ids.length);
    const last = Math.max(...simulator.deliveries.recent().map((delivery) => delivery.at));
    const seconds = (last - accepted) / 1000;
    return {
      seconds,
      idealSeconds: messageCount / RATE,
      chunks: messageCount,
      accessors: ids.length,
      maxWaitSeconds: seconds,
    };
  });
}

function trickle(workers: number): Promise<Run> {
  return withStack('trickle', workers, async ({ simulator, stack }) => {
    const events = new EventBridgeClient({
      endpoint: stack.httpUrl,
      region: 'us-east-1',
      credentials: TEST_CREDENTIALS,
    });
    const total = 2_000;
    const sentAt = new Map<string, number>();
    const started = Date.now();
    // 2,000 events over ~20 s: ten every 100 ms, paced against the clock.
    for (let sent = 0; sent < total; sent += 10) {
      const due = started + (sent / total) * 20_000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const entries = Array.from({ length: 10 }, (_, index) => `hire-${sent + index}@example.com`);
      const output = await events.send(
        new PutEventsCommand({
          Entries: entries.map((accessorId) => ({
            Source: 'hr.events',
            DetailType: 'Employee Onboarded',
            Detail: JSON.stringify({ accessorId }),
          })),
        }),
      );
      if (output.FailedEntryCount) throw new Error('PutEvents refused entries');
      const now = Date.now();
      for (const accessorId of entries) sentAt.set(accessorId, now);
    }
    await simulator.waitForDeliveredAccessors(total);
    events.destroy();
    let maxWait = 0;
    let last = 0;
    for (const delivery of simulator.deliveries.recent()) {
      last = Math.max(last, delivery.at);
      for (const id of delivery.accessorIds)
        maxWait = Math.max(maxWait, delivery.at - (sentAt.get(id) ?? delivery.at));
    }
    return {
      seconds: (last - started) / 1000,
      idealSeconds: 20,
      chunks: total,
      accessors: total,
      maxWaitSeconds: maxWait / 1000,
    };
  });
}

const drivers = { bulk, trickle } as const;
const configurations = scenarios
  .filter((name): name is keyof typeof drivers => name in drivers)
  .flatMap((scenario) => workerCounts.map((workers) => ({ scenario, workers })));
const unknown = scenarios.filter((name) => !(name in drivers) && name !== 'cost');
if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown}; use bulk, trickle, cost`);

const results: Run[] = [];
// Runs are interleaved, so a slow spell of the machine does not fall on one configuration.
for (let run = 1; run <= runs; run++) {
  for (const { scenario, workers } of configurations) {
    process.stdout.write(
      `run ${run}/${runs}: ${scenario}, ${workers} workers (load ${loadavg()[0]?.toFixed(2)})…\n`,
    );
    results.push(await drivers[scenario](workers));
  }
}

const summary = configurations.map(({ scenario, workers }) => {
  const mine = results.filter((run) => run.scenario === scenario && run.workers === workers);
  const pick = (field: keyof Run) => mine.map((run) => run[field] as number);
  const rateCalls = (operation: string) => mine.map((run) => run.rateCallsPerCall[operation] ?? 0);
  const medianOf = (field: keyof Run) => median(pick(field));
  const met =
    scenario === 'bulk'
      ? medianOf('efficiency') >= TARGETS.efficiency &&
        medianOf('wastedShare') <= TARGETS.wastedShare
      : medianOf('callsPerAccessor') <= TARGETS.trickleCallsPerAccessor &&
        medianOf('maxWaitSeconds') <= medianOf('maxWaitTargetSeconds');
  return {
    scenario,
    workers,
    runs: mine.length,
    met: met && mine.every((run) => run.duplicates === 0 && run.lost === 0),
    table: {
      scenario: `${scenario}, ${workers} workers`,
      'actual s': spread(pick('seconds'), fixed(1)),
      efficiency: scenario === 'bulk' ? spread(pick('efficiency'), fixed(2)) : '-',
      calls: spread(pick('calls'), String),
      throttled: spread(pick('throttled'), String),
      'wasted share': spread(pick('wastedShare'), (value) => `${fixed(1)(value * 100)}%`),
      'calls/accessor': spread(pick('callsPerAccessor'), fixed(4)),
      'max wait s': scenario === 'trickle' ? spread(pick('maxWaitSeconds'), fixed(2)) : '-',
      'rate item: updates/call': spread(rateCalls('UpdateItem'), fixed(2)),
      'reads/call': spread(rateCalls('GetItem'), fixed(2)),
      'group items: calls/call': spread(pick('groupCallsPerCall'), fixed(2)),
      duplicates: Math.max(...pick('duplicates')),
      lost: Math.max(...pick('lost')),
      load: spread(pick('loadAverage'), fixed(1)),
    },
  };
});

let cost: PacingCost | undefined;
if (scenarios.includes('cost')) {
  process.stdout.write('measuring what pacing costs per call…\n');
  cost = await measurePacingCost();
}

if (summary.length > 0) {
  process.stdout.write(
    `\nmedian (min–max) of ${runs} run(s) each; simulator ${RATE} calls/s, burst ${THROTTLE.burst}, Retry-After ${THROTTLE.retryAfterSeconds} s\n`,
  );
  console.table(summary.map((row) => ({ ...row.table, 'target met': row.met ? 'yes' : 'NO' })));
}
if (cost) {
  process.stdout.write('\nwhat pacing adds before each call (dynalite in its own process)\n');
  console.table(cost.rows);
}
writeBenchResults('delivery', {
  rate: THROTTLE,
  targets: TARGETS,
  summary: summary.map(({ table, ...rest }) => ({ ...rest, ...table })),
  runs: results,
  ...(cost ? { pacingCost: cost } : {}),
});
// The local stack's pollers and sockets are closed; exit even if a keep-alive timer lingers.
process.exit(results.some((run) => run.duplicates > 0 || run.lost > 0) ? 1 : 0);

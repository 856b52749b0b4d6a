/**
 * Delivery benchmark: runs the local stack with the simulator throttling at R calls/s and
 * measures how close the pipeline gets to the limit. Scenarios: bulk (100 chunks) with 1, 2
 * and 5 concurrent workers, and trickle (2,000 single-accessor onboarding events over ~20 s).
 * Usage: npm run bench:delivery [-- --scenarios bulk-1,trickle]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { LOCAL_DEMO_SPACE_ID } from '../../infra/local/local-config.ts';
import { startRepostspaceSimulator } from '../../infra/local/repostspace-simulator/index.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { TEST_CREDENTIALS } from '../helpers/sqs.ts';

const RATE = 5;
const THROTTLE = { ratePerSecond: RATE, burst: 5, retryAfterSeconds: 1 };
const { values } = parseArgs({
  options: {
    scenarios: { type: 'string', default: 'bulk-1,bulk-2,bulk-5,trickle' },
    // Experiments only: replace serverless.yml's event source mapping settings.
    'batch-size': { type: 'string' },
    'batching-window': { type: 'string' },
  },
});

interface Row {
  scenario: string;
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
  duplicates: number;
  lost: number;
}

async function withStack<T>(
  workers: number,
  run: (context: Awaited<ReturnType<typeof setUp>>) => Promise<T>,
): Promise<T> {
  const context = await setUp(workers);
  try {
    return await run(context);
  } finally {
    await context.stack.stop();
    await context.simulator.stop();
    context.state.cleanup();
  }
}

async function setUp(workers: number) {
  const state = tempStateDir();
  const simulator = await startRepostspaceSimulator({
    throttle: THROTTLE,
    recentDeliveryLimit: 100_000,
  });
  const stack = await startTestStack({
    LOCAL_STATE_DIR: state.path,
    AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
    LOCAL_WORKER_CONCURRENCY: String(workers),
    ...(values['batch-size'] ? { LOCAL_WORKER_BATCH_SIZE: values['batch-size'] } : {}),
    ...(values['batching-window']
      ? { LOCAL_WORKER_BATCHING_WINDOW: values['batching-window'] }
      : {}),
  });
  return { state, simulator, stack };
}

async function bulk(workers: number): Promise<Row> {
  return withStack(workers, async ({ simulator, stack }) => {
    const ids = Array.from({ length: 100_000 }, (_, index) => `employee-${index}@example.com`);
    const response = await fetch(`${stack.httpUrl}/spaces/${LOCAL_DEMO_SPACE_ID}/invite`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        accessorIds: ids,
        title: 'Welcome',
        body: 'Join the engineering space',
      }),
    });
    const accepted = Date.now();
    const { messageCount } = (await response.json()) as { messageCount: number };
    const stats = await simulator.waitForDeliveredAccessors(ids.length);
    const last = Math.max(...simulator.deliveries.recent().map((delivery) => delivery.at));
    const seconds = (last - accepted) / 1000;
    const idealSeconds = messageCount / RATE;
    return {
      scenario: `bulk, ${workers} worker${workers > 1 ? 's' : ''}`,
      workers,
      accessors: ids.length,
      chunks: messageCount,
      idealSeconds,
      seconds,
      efficiency: idealSeconds / seconds,
      calls: stats.calls,
      throttled: stats.throttled,
      wastedShare: stats.throttled / stats.calls,
      callsPerAccessor: stats.calls / ids.length,
      maxWaitSeconds: seconds,
      duplicates: stats.duplicateAccessors,
      lost: ids.length - stats.distinctAccessors,
    };
  });
}

async function trickle(workers: number): Promise<Row> {
  return withStack(workers, async ({ simulator, stack }) => {
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
    const stats = await simulator.waitForDeliveredAccessors(total);
    events.destroy();
    let maxWait = 0;
    let last = 0;
    for (const delivery of simulator.deliveries.recent()) {
      last = Math.max(last, delivery.at);
      for (const id of delivery.accessorIds)
        maxWait = Math.max(maxWait, delivery.at - (sentAt.get(id) ?? delivery.at));
    }
    const seconds = (last - started) / 1000;
    return {
      scenario: `trickle, ${workers} workers`,
      workers,
      accessors: total,
      chunks: total,
      idealSeconds: 20,
      seconds,
      efficiency: Number.NaN,
      calls: stats.calls,
      throttled: stats.throttled,
      wastedShare: stats.calls === 0 ? 0 : stats.throttled / stats.calls,
      callsPerAccessor: stats.calls / total,
      maxWaitSeconds: maxWait / 1000,
      duplicates: stats.duplicateAccessors,
      lost: total - stats.distinctAccessors,
    };
  });
}

const scenarios: Record<string, () => Promise<Row>> = {
  'bulk-1': () => bulk(1),
  'bulk-2': () => bulk(2),
  'bulk-5': () => bulk(5),
  trickle: () => trickle(2),
};

const rows: Row[] = [];
for (const name of (values.scenarios ?? '').split(',')) {
  const scenario = scenarios[name.trim()];
  if (!scenario)
    throw new Error(`unknown scenario "${name}"; use ${Object.keys(scenarios).join(', ')}`);
  process.stdout.write(`running ${name}…\n`);
  rows.push(await scenario());
}

const fixed = (value: number, digits = 2) => (Number.isNaN(value) ? '-' : value.toFixed(digits));
console.table(
  rows.map((row) => ({
    scenario: row.scenario,
    'ideal s': fixed(row.idealSeconds, 1),
    'actual s': fixed(row.seconds, 1),
    efficiency: fixed(row.efficiency),
    calls: row.calls,
    throttled: row.throttled,
    'wasted share': `${fixed(row.wastedShare * 100, 1)}%`,
    'calls/accessor': fixed(row.callsPerAccessor, 4),
    'max wait s': fixed(row.maxWaitSeconds, 1),
    duplicates: row.duplicates,
    lost: row.lost,
  })),
);
mkdirSync('bench-results', { recursive: true });
writeFileSync(
  'bench-results/delivery.json',
  `${JSON.stringify({ date: new Date().toISOString(), machine: `${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}`, rate: THROTTLE, rows }, null, 2)}\n`,
);
// The local stack's pollers and sockets are closed; exit even if a keep-alive timer lingers.
process.exit(rows.some((row) => row.duplicates > 0 || row.lost > 0) ? 1 : 0);

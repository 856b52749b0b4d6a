/**
 * Ledger benchmark: what the request ledger and invite-once cost delivery, and what they cost in
 * DynamoDB. Bulk delivery of 100,000 IDs (100 chunks) on the local stack with 2 workers, the
 * simulator at 5 calls/s, dynalite in its own process counting each call and the capacity it
 * consumed, in three configurations run interleaved on fresh stacks:
 *   - no ledger:   the worker records nothing and remembers no one (LOCAL_WORKER_LEDGER=off);
 *   - ledger:      outcomes recorded, invite-once off (REINVITE_AFTER_DAYS=0);
 *   - invite-once: outcomes recorded and invites remembered (the default).
 * After each invite-once run the same list goes again, and everyone is skipped. Last, the
 * history's lookup and write for one call of 1,000 accessors are timed alone on an idle dynalite.
 * The intake records every request in all three; its cost is reported apart.
 * Usage: npm run bench:ledger [-- --runs 3 --accessors 100000]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { LOCAL_DEMO_SPACE_ID } from '../../infra/local/local-config.ts';
import { startRepostspaceSimulator } from '../../infra/local/repostspace-simulator/index.ts';
import type { LocalStack } from '../../infra/local/stack.ts';
import { DynamoDbInviteHistory } from '../../shared/adapters/ledger/dynamodb-invite-history.ts';
import type { DynaliteCallStats } from '../helpers/dynalite-child.ts';
import { startDynamoDb } from '../helpers/ledger.ts';
import { startTestStack, tempStateDir } from '../helpers/local-stack.ts';
import { postInvite, settledStatus } from '../helpers/stack-api.ts';
import { writeBenchResults } from './bench-results.ts';
import { fixed, median, percentile, spread } from './stats.ts';

const RATE = 5;
const THROTTLE = { ratePerSecond: RATE, burst: 5, retryAfterSeconds: 1 };
/** On-demand prices in us-east-1 (USD per million request units), as AWS lists them since November 2024. */
const PRICE_PER_MILLION = { read: 0.125, write: 0.625 };
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
const TARGETS = { ledger: 0.98, inviteOnce: 0.97 };
const SETTLE_TIMEOUT_MS = 600_000;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    accessors: { type: 'string', default: '100000' },
    configs: { type: 'string', default: 'no ledger,ledger,invite-once' },
  },
});
const runs = Number(values.runs);
const accessorCount = Number(values.accessors);

const CONFIGS = {
  'no ledger': { LOCAL_WORKER_LEDGER: 'off' },
  ledger: { REINVITE_AFTER_DAYS: '0' },
  'invite-once': {},
} as const;
type ConfigName = keyof typeof CONFIGS;
const chosen = values.configs.split(',').map((name) => name.trim()) as ConfigName[];
const unknownConfigs = chosen.filter((name) => !(name in CONFIGS));
if (unknownConfigs.length > 0)
  throw new Error(`unknown config(s) ${unknownConfigs}; use ${Object.keys(CONFIGS).join(', ')}`);

/** DynamoDB work over one phase, without the shared rate's calls (counted apart). */
interface DynamoDbUse {
  calls: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Time dynalite spent answering, summed over the calls. */
  totalMs: number;
  /** The shared rate's calls (`RATE#`), by operation. */
  rateCalls: Record<string, number>;
}

interface Run {
  config: ConfigName | 'invite-once, same list again';
  loadAverage: number;
  intakeMs: number;
  intake: DynamoDbUse;
  /** From the 202 to the last accessor delivered (or, when all are skipped, to Succeeded). */
  seconds: number;
  idealSeconds: number;
  efficiency: number;
  sendInvitesCalls: number;
  throttled: number;
  delivered: number;
  duplicates: number;
  worker: DynamoDbUse;
  skipped: number;
}

function use(stats: DynaliteCallStats): DynamoDbUse {
  const result: DynamoDbUse = { calls: {}, readUnits: 0, writeUnits: 0, totalMs: 0, rateCalls: {} };
  for (const [key, entry] of Object.entries(stats)) {
    const [operation = key, rate] = key.split(' ');
    if (rate) {
      result.rateCalls[operation] = (result.rateCalls[operation] ?? 0) + entry.count;
      continue;
    }
    result.calls[operation] = (result.calls[operation] ?? 0) + entry.count;
    result.totalMs += entry.totalMs;
    if (READS.has(operation)) result.readUnits += entry.capacityUnits ?? 0;
    else result.writeUnits += entry.capacityUnits ?? 0;
  }
  return result;
}

const ids = Array.from({ length: accessorCount }, (_, index) => `employee-${index}@example.com`);

/** Posts the whole list; the intake must accept it. */
async function post(stack: LocalStack) {
  const started = performance.now();
  const answer = await postInvite(stack, LOCAL_DEMO_SPACE_ID, ids);
  if (answer.status !== 202) throw new Error(`the intake answered ${answer.status}`);
  const { requestId, messageCount } = answer.body as { requestId: string; messageCount: number };
  return { requestId, messageCount, acceptedAt: Date.now(), intakeMs: performance.now() - started };
}

/** The request's status once it no longer runs (the outcomes are written after each call). */
async function settled(stack: LocalStack, requestId: string) {
  const { body } = await settledStatus(stack, requestId, SETTLE_TIMEOUT_MS);
  return body as {
    status: string;
    accessors: { invited: number; skipped: number; failed: number };
  };
}

async function run(config: ConfigName): Promise<Run[]> {
  const loadAverage = loadavg()[0] ?? 0;
  const state = tempStateDir();
  const dynamodb = await startDynamoDb({ outOfProcess: true, capacity: true });
  const simulator = await startRepostspaceSimulator({
    throttle: THROTTLE,
    recentDeliveryLimit: accessorCount,
  });
  const stack = await startTestStack({
    LOCAL_STATE_DIR: state.path,
    AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    LOCAL_WORKER_CONCURRENCY: '2',
    ...CONFIGS[config],
  });
  try {
    await dynamodb.calls({ reset: true });
    const first = await post(stack);
    const intake = use(await dynamodb.calls({ reset: true }));
    const stats = await simulator.waitForDeliveredAccessors(accessorCount);
    const last = Math.max(...simulator.deliveries.recent().map((delivery) => delivery.at));
    // The outcomes are written after each call: wait for the last before counting.
    if (config !== 'no ledger') await settled(stack, first.requestId);
    const idealSeconds = first.messageCount / RATE;
    const seconds = (last - first.acceptedAt) / 1000;
    const runs: Run[] = [
      {
        config,
        loadAverage,
        intakeMs: first.intakeMs,
        intake,
        seconds,
        idealSeconds,
        efficiency: idealSeconds / seconds,
        sendInvitesCalls: stats.calls,
        throttled: stats.throttled,
        delivered: stats.distinctAccessors,
        duplicates: stats.duplicateAccessors,
        worker: use(await dynamodb.calls({ reset: true })),
        skipped: 0,
      },
    ];
    if (config === 'invite-once') {
      const callsBefore = simulator.stats().calls;
      const again = await post(stack);
      const againIntake = use(await dynamodb.calls({ reset: true }));
      const status = await settled(stack, again.requestId);
      const after = simulator.stats();
      runs.push({
        config: 'invite-once, same list again',
        loadAverage,
        intakeMs: again.intakeMs,
        intake: againIntake,
        seconds: (Date.now() - again.acceptedAt) / 1000,
        idealSeconds: Number.NaN,
        efficiency: Number.NaN,
        sendInvitesCalls: after.calls - callsBefore,
        throttled: 0,
        delivered: 0,
        duplicates: after.duplicateAccessors,
        worker: use(await dynamodb.calls({ reset: true })),
        skipped: status.accessors.skipped,
      });
    }
    return runs;
  } finally {
    await stack.stop();
    await simulator.stop();
    await dynamodb.stop();
    state.cleanup();
  }
}

const all: Run[] = [];
for (let round = 1; round <= runs; round++) {
  for (const config of chosen) {
    process.stdout.write(`run ${round}/${runs}: ${config} (load ${loadavg()[0]?.toFixed(1)})…\n`);
    all.push(...(await run(config)));
  }
}

const perThousand = (count: number, accessors: number) => (count * 1000) / accessors;
const costPerMillion = (dynamo: DynamoDbUse, accessors: number) =>
  (dynamo.readUnits * PRICE_PER_MILLION.read + dynamo.writeUnits * PRICE_PER_MILLION.write) /
  accessors;
const callsText = (calls: Record<string, number>, accessors: number) =>
  Object.entries(calls)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([operation, count]) => `${operation} ${perThousand(count, accessors).toFixed(2)}`)
    .join(', ') || '-';

const groups = [...new Set(all.map((row) => row.config))];
const summary = groups.map((config) => {
  const rows = all.filter((row) => row.config === config);
  const accessors = accessorCount;
  return {
    config,
    runs: rows.length,
    efficiency: spread(
      rows.map((row) => row.efficiency),
      fixed(2),
    ),
    seconds: spread(
      rows.map((row) => row.seconds),
      fixed(1),
    ),
    'SendInvites calls': spread(
      rows.map((row) => row.sendInvitesCalls),
      fixed(0),
    ),
    'worker DynamoDB calls / 1000 accessors': callsText(rows[0]?.worker.calls ?? {}, accessors),
    'worker RRU / 1000': spread(
      rows.map((row) => perThousand(row.worker.readUnits, accessors)),
      fixed(1),
    ),
    'worker WRU / 1000': spread(
      rows.map((row) => perThousand(row.worker.writeUnits, accessors)),
      fixed(1),
    ),
    'worker DynamoDB ms / 1000 accessors': spread(
      rows.map((row) => perThousand(row.worker.totalMs, accessors)),
      fixed(0),
    ),
    'worker USD / million accessors': spread(
      rows.map((row) => costPerMillion(row.worker, accessors)),
      fixed(3),
    ),
    'intake ms': spread(
      rows.map((row) => row.intakeMs),
      fixed(0),
    ),
    'intake USD / million accessors': spread(
      rows.map((row) => costPerMillion(row.intake, accessors)),
      fixed(4),
    ),
    skipped: spread(
      rows.map((row) => row.skipped),
      fixed(0),
    ),
    duplicates: Math.max(...rows.map((row) => row.duplicates)),
    lost: Math.max(
      ...rows
        .filter((row) => !Number.isNaN(row.idealSeconds))
        .map((row) => accessors - row.delivered),
      0,
    ),
    load: spread(
      rows.map((row) => row.loadAverage),
      fixed(1),
    ),
  };
});
console.table(summary);

const efficiencyOf = (config: ConfigName) =>
  median(all.filter((row) => row.config === config).map((row) => row.efficiency));
/** Each round's ratio, so the runs beside each other are compared. */
const ratios = (over: ConfigName, under: ConfigName) =>
  Array.from({ length: runs }, (_, round) => {
    const pick = (config: ConfigName) =>
      all.filter((row) => row.config === config)[round]?.efficiency ?? Number.NaN;
    return pick(over) / pick(under);
  });
const ledgerRatios = ratios('ledger', 'no ledger');
const inviteOnceRatios = ratios('invite-once', 'ledger');
const verdict = (values: number[], target: number) =>
  `${spread(values, fixed(3))} (target ≥ ${target}: ${median(values) >= target ? 'met' : 'NOT met'})`;
process.stdout.write(
  `\nefficiency, ledger / no ledger:        ${verdict(ledgerRatios, TARGETS.ledger)}\n` +
    `efficiency, invite-once / ledger:      ${verdict(inviteOnceRatios, TARGETS.inviteOnce)}\n` +
    `(medians: no ledger ${efficiencyOf('no ledger').toFixed(3)}, ledger ${efficiencyOf('ledger').toFixed(3)}, invite-once ${efficiencyOf('invite-once').toFixed(3)})\n`,
);

/**
 * The history's work for one call of 1,000 accessors, alone on an idle dynalite (no proxy): the
 * lookup before the call (nobody found, then everybody) and the write after it. New IDs each round.
 */
async function historyPerCall(rounds: number) {
  const dynamodb = await startDynamoDb({ outOfProcess: true });
  const history = new DynamoDbInviteHistory({
    client: dynamodb.client,
    tableName: dynamodb.tableName,
  });
  const times = {
    lookupNoneFound: [] as number[],
    remember: [] as number[],
    lookupAllFound: [] as number[],
  };
  const timed = async (list: number[], action: () => Promise<unknown>) => {
    const started = performance.now();
    await action();
    list.push(performance.now() - started);
  };
  try {
    for (let round = -2; round < rounds; round++) {
      const callIds = Array.from({ length: 1000 }, (_, index) => `r${round}-${index}@example.com`);
      const at = Date.now();
      const sample = round < 0 ? { lookupNoneFound: [], remember: [], lookupAllFound: [] } : times;
      await timed(sample.lookupNoneFound, () =>
        history.invitedSince(LOCAL_DEMO_SPACE_ID, callIds, at - 86_400_000, at),
      );
      await timed(sample.remember, () =>
        history.remember(LOCAL_DEMO_SPACE_ID, callIds, at, at + 86_400_000),
      );
      await timed(sample.lookupAllFound, () =>
        history.invitedSince(LOCAL_DEMO_SPACE_ID, callIds, at - 86_400_000, at),
      );
    }
  } finally {
    await dynamodb.stop();
  }
  return times;
}
const perCall = await historyPerCall(30);
process.stdout.write(
  '\none call of 1,000 accessors, idle dynalite in its own process, 30 rounds (ms)\n',
);
console.table({
  'lookup before the call, nobody found (10 BatchGetItem at once)': {
    median: median(perCall.lookupNoneFound).toFixed(1),
    p90: percentile(perCall.lookupNoneFound, 0.9).toFixed(1),
  },
  'lookup before the call, everybody found': {
    median: median(perCall.lookupAllFound).toFixed(1),
    p90: percentile(perCall.lookupAllFound, 0.9).toFixed(1),
  },
  'write after the call (40 BatchWriteItem, 10 at a time)': {
    median: median(perCall.remember).toFixed(1),
    p90: percentile(perCall.remember, 0.9).toFixed(1),
  },
});

writeBenchResults('ledger', {
  historyPerCallMs: perCall,
  rate: THROTTLE,
  prices: PRICE_PER_MILLION,
  accessors: accessorCount,
  ratios: { ledger: ledgerRatios, inviteOnce: inviteOnceRatios },
  summary,
  runs: all,
});
const failed = all.some((row) => row.duplicates > 0) || summary.some((row) => row.lost > 0);
// The stacks' pollers and sockets are closed; exit even if a keep-alive timer lingers.
process.exit(failed ? 1 : 0);

import { setTimeout as sleep } from 'node:timers/promises';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import {
  DynamoDbRateStore,
  RATE_STORE_TIMEOUTS,
} from '../../shared/adapters/ledger/dynamodb-rate-store.ts';
import { AdaptiveRateLimiter } from '../../shared/domain/adaptive-rate-limiter.ts';
import { SharedCallPacer } from '../../shared/domain/shared-call-pacer.ts';
import { startDynamoDb } from '../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

export interface PacingCostRow {
  pacer: string;
  /** Milliseconds of pacing work before the call may start, the wait itself left out. */
  'p50 ms': string;
  'p95 ms': string;
  /** What lies on the call's path: the work after the wait, where a start was held ahead. */
  'after the wait p50 ms': string;
  'DynamoDB calls/call': string;
}

export interface PacingCost {
  rounds: number;
  rows: PacingCostRow[];
}

const percentile = (list: number[], share: number) =>
  [...list].sort((a, b) => a - b)[Math.min(list.length - 1, Math.floor(list.length * share))] ??
  Number.NaN;

/**
 * What pacing adds to each SendInvites call: the local limiter alone, the shared pacer when a
 * call may start at once (one conditional update), and when its start is held ahead (the
 * update before the wait, a consistent read after it). dynalite runs in its own process.
 */
export async function measurePacingCost(rounds = 300): Promise<PacingCost> {
  const dynamodb = await startDynamoDb({ outOfProcess: true });
  const client = createDynamoDbClient({
    endpoint: dynamodb.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    timeouts: RATE_STORE_TIMEOUTS,
  });
  const shared = (scope: string, initialRate: number) =>
    new SharedCallPacer({
      store: new DynamoDbRateStore({ client, tableName: dynamodb.tableName, scope }),
      fallback: new AdaptiveRateLimiter(),
      rate: { initialRate },
    });

  /** Rounds whose start was held ahead (a wait) or not, as `ahead` asks; all when undefined. */
  async function measure(
    pacer: string,
    paced: SharedCallPacer | AdaptiveRateLimiter,
    ahead?: boolean,
  ) {
    const before: number[] = [];
    const after: number[] = [];
    await dynamodb.calls({ reset: true });
    for (let round = 0; round < rounds + 10; round++) {
      const started = performance.now();
      const wait = await paced.waitMs(2_000);
      const reserved = performance.now();
      if (wait > 0) await sleep(wait);
      const woke = performance.now();
      await paced.take();
      const taken = performance.now();
      await paced.succeeded();
      // The first rounds open connections and warm the JIT.
      if (round < 10 || (ahead !== undefined && wait > 0 !== ahead)) continue;
      before.push(reserved - started + (taken - woke));
      after.push(taken - woke);
    }
    const calls = Object.entries(await dynamodb.calls())
      .filter(([operation]) => operation.endsWith('RATE#'))
      .reduce((sum, [, { count }]) => sum + count, 0);
    return {
      pacer: `${pacer} (${before.length} of ${rounds} calls)`,
      'p50 ms': percentile(before, 0.5).toFixed(2),
      'p95 ms': percentile(before, 0.95).toFixed(2),
      'after the wait p50 ms': percentile(after, 0.5).toFixed(2),
      'DynamoDB calls/call': (calls / (rounds + 10)).toFixed(2),
    };
  }

  try {
    return {
      rounds,
      rows: [
        await measure('local limiter only (AdaptiveRateLimiter)', new AdaptiveRateLimiter()),
        // A rate no call keeps up with: every start is now.
        await measure('shared, start now', shared('CostNow', 1_000_000), false),
        // 40 calls a second, more as calls keep up: starts come after the previous call's end.
        await measure('shared, start held ahead', shared('CostAhead', 40), true),
      ],
    };
  } finally {
    client.destroy();
    await dynamodb.stop();
  }
}

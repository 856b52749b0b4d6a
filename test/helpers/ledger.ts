import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadStackDefinitions } from '../../infra/local/definitions.ts';
import { ensureTable, startLocalDynamoDb } from '../../infra/local/local-dynamodb.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import type {
  IdempotencyRecord,
  IdempotencyStore,
  KeyTakeOver,
} from '../../shared/domain/idempotency-record.ts';
import type { InviteHistory, OutcomeLedger, RequestLedger } from '../../shared/domain/ports.ts';
import type { PartOutcome, RequestRecord } from '../../shared/domain/request-record.ts';
import type { DynaliteCallStats } from './dynalite-child.ts';
import { TEST_CREDENTIALS, TEST_REGION } from './sqs.ts';

const ROOT = join(import.meta.dirname, '../..');

export interface DynamoDbContext {
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  /** With `outOfProcess`: the calls dynalite answered since the last reset, per operation. */
  calls(options?: { reset?: boolean }): Promise<DynaliteCallStats>;
  stop(): Promise<void>;
}

/** dynalite (in memory) in a child process, so its work does not share the caller's thread. */
async function startDynaliteProcess(capacity: boolean) {
  const child = fork(
    new URL('./dynalite-child.ts', import.meta.url).pathname,
    capacity ? ['--capacity'] : [],
    { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const [line] = (await once(
    createInterface({ input: child.stdout as NodeJS.ReadableStream }),
    'line',
  )) as [string];
  return {
    url: (JSON.parse(line) as { address: string }).address,
    async calls(reset: boolean): Promise<DynaliteCallStats> {
      const answer = once(child, 'message') as Promise<[DynaliteCallStats]>;
      child.send('calls');
      const [stats] = await answer;
      if (reset) child.send('reset');
      return stats;
    },
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * dynalite on a free loopback port with the ledger table `infra/ledger.yml` declares: embedded,
 * or in its own process with `outOfProcess` (counting consumed capacity too with `capacity`).
 */
export async function startDynamoDb(
  options: { path?: string; port?: number; outOfProcess?: boolean; capacity?: boolean } = {},
): Promise<DynamoDbContext> {
  const { outOfProcess, capacity, ...embedded } = options;
  const server = outOfProcess
    ? await startDynaliteProcess(capacity === true)
    : await startLocalDynamoDb({ port: embedded.port ?? 0, ...embedded });
  const client = createDynamoDbClient({
    endpoint: server.url,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  const { ledger } = loadStackDefinitions(join(ROOT, 'serverless.yml'), { stage: 'test' });
  await ensureTable(client, ledger);
  return {
    endpoint: server.url,
    client,
    tableName: ledger.name,
    async calls({ reset = false } = {}) {
      if (!('calls' in server)) throw new Error('dynalite counts calls only out of process');
      return server.calls(reset);
    },
    async stop() {
      client.destroy();
      await server.stop();
    },
  };
}

/** An in-memory ledger for unit tests: what the intake and the worker write, and outages. */
export class MemoryLedger implements IdempotencyStore, RequestLedger, OutcomeLedger, InviteHistory {
  readonly keys = new Map<string, { record: IdempotencyRecord; expiresAt: number }>();
  /** `spaceId#accessorId` → when it was invited. */
  readonly invited = new Map<string, { at: number; expiresAt: number; requestId?: string }>();
  readonly requests = new Map<string, RequestRecord>();
  readonly outcomes = new Map<string, PartOutcome>();
  /** Every call fails with this while it is set. */
  failWith: Error | undefined;

  #check() {
    if (this.failWith) throw this.failWith;
  }

  async claim(key: string, record: IdempotencyRecord, expiresAt: number, now: number) {
    this.#check();
    const existing = this.keys.get(key);
    if (existing && existing.expiresAt >= now) return { ...existing.record };
    this.keys.set(key, { record: { ...record }, expiresAt });
    return undefined;
  }

  async takeOver(key: string, expected: IdempotencyRecord, taken: KeyTakeOver) {
    this.#check();
    const existing = this.keys.get(key);
    const held = existing?.record;
    const asRead =
      held !== undefined &&
      held.attempt === expected.attempt &&
      held.state === expected.state &&
      held.lockedUntil === expected.lockedUntil &&
      held.queuedParts.join() === expected.queuedParts.join();
    if (!existing || !(asRead || held?.attempt === taken.attempt)) return false;
    const { attempt, lockedUntil, expiresAt } = taken;
    existing.record = { ...existing.record, state: 'inProgress', lockedUntil, attempt };
    existing.expiresAt = expiresAt;
    return true;
  }

  async settle(key: string, record: IdempotencyRecord) {
    this.#check();
    const existing = this.keys.get(key);
    if (existing?.record.attempt !== record.attempt) return false;
    existing.record = { ...record };
    return true;
  }

  async recordRequest(record: RequestRecord, options: { isNew?: boolean } = {}) {
    this.#check();
    // A new request is written without a look for an earlier record, as in DynamoDB.
    if (options.isNew || !this.requests.has(record.requestId)) {
      this.requests.set(record.requestId, record);
    }
  }

  async recordOutcome(outcome: PartOutcome) {
    this.#check();
    const key = `${outcome.requestId}#${outcome.part}`;
    if (this.outcomes.get(key)?.outcome === 'delivered') return;
    this.outcomes.set(key, outcome);
  }

  async clearOutcomes(requestId: string, parts: readonly number[]) {
    this.#check();
    for (const part of parts) {
      const key = `${requestId}#${part}`;
      if (this.outcomes.get(key)?.outcome === 'failed') this.outcomes.delete(key);
    }
  }

  async invitedSince(spaceId: string, accessorIds: readonly string[], since: number, now: number) {
    this.#check();
    const found = new Map<string, string | undefined>();
    for (const id of accessorIds) {
      const record = this.invited.get(`${spaceId}#${id}`);
      if (record !== undefined && record.at >= since && record.expiresAt > now) {
        found.set(id, record.requestId);
      }
    }
    return found;
  }

  async remember(
    spaceId: string,
    accessorIds: readonly string[],
    at: number,
    expiresAt: number,
    requestIdOf?: (accessorId: string) => string | undefined,
  ) {
    this.#check();
    for (const id of accessorIds) {
      const requestId = requestIdOf?.(id);
      this.invited.set(`${spaceId}#${id}`, {
        at,
        expiresAt,
        ...(requestId === undefined ? {} : { requestId }),
      });
    }
  }

  async deliveredParts(parts: readonly { requestId: string; part: number }[]) {
    this.#check();
    return new Set(
      parts
        .map(({ requestId, part }) => `${requestId}#${part}`)
        .filter((key) => this.outcomes.get(key)?.outcome === 'delivered'),
    );
  }
}

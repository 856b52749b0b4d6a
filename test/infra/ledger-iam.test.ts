/**
 * Every DynamoDB call a function's ledger adapters make, on every path (a condition that fails,
 * a retry that finds its own write, a rewrite), is allowed by that function's role in
 * infra/iam.yml: dynalite has no IAM, so a call the role lacks would only fail in AWS.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { parse } from 'yaml';
import { CLOUDFORMATION_TAGS } from '../../infra/local/definitions.ts';
import { DynamoDbCallGroups } from '../../shared/adapters/ledger/dynamodb-call-groups.ts';
import { DynamoDbInviteHistory } from '../../shared/adapters/ledger/dynamodb-invite-history.ts';
import { DynamoDbLedgerReader } from '../../shared/adapters/ledger/dynamodb-ledger-reader.ts';
import { DynamoDbOutcomes } from '../../shared/adapters/ledger/dynamodb-outcomes.ts';
import { DynamoDbRateStore } from '../../shared/adapters/ledger/dynamodb-rate-store.ts';
import { DynamoDbRequestLedger } from '../../shared/adapters/ledger/dynamodb-request-ledger.ts';
import type { IdempotencyRecord } from '../../shared/domain/idempotency-record.ts';
import type { PartOutcome } from '../../shared/domain/request-record.ts';
import { type DynamoDbContext, startDynamoDb } from '../helpers/ledger.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../helpers/sqs.ts';

const NOW = 1_800_000_000_000;
const DAY_MS = 86_400_000;

/** A DynamoDB action on the ledger, and the partition keys it touched. */
interface Access {
  action: string;
  keys: string[];
}

interface LedgerStatement {
  sid: string;
  actions: string[];
  leadingKeys: RegExp[];
}

/** The ledger statements of each role in infra/iam.yml, the KMS ones left out. */
function ledgerStatements(): Map<string, LedgerStatement[]> {
  const template = parse(readFileSync(new URL('../../infra/iam.yml', import.meta.url), 'utf8'), {
    customTags: CLOUDFORMATION_TAGS,
  }) as { Resources: Record<string, { Properties: { Policies?: unknown[] } }> };
  const roles = new Map<string, LedgerStatement[]>();
  for (const [name, role] of Object.entries(template.Resources)) {
    const [policy] = (role.Properties.Policies ?? []) as {
      PolicyDocument: { Statement: Record<string, unknown>[] };
    }[];
    const statements = (policy?.PolicyDocument.Statement ?? []).filter((statement) =>
      JSON.stringify(statement.Resource ?? '').includes('LedgerTable'),
    );
    roles.set(
      name,
      statements.map((statement) => {
        const action = statement.Action as string | string[];
        const patterns = (
          statement.Condition as Record<string, Record<string, string[]>> | undefined
        )?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? ['*'];
        return {
          sid: String(statement.Sid),
          actions: Array.isArray(action) ? action : [action],
          leadingKeys: patterns.map((glob) => new RegExp(`^${glob.replaceAll('*', '.*')}$`)),
        };
      }),
    );
  }
  return roles;
}

/** Every partition key value in a command's input: `pk`, and a query's `:pk`. */
function partitionKeys(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) partitionKeys(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [name, inner] of Object.entries(value)) {
      const text = (inner as { S?: unknown } | null)?.S;
      if ((name === 'pk' || name === ':pk') && typeof text === 'string') found.push(text);
      else partitionKeys(inner, found);
    }
  }
  return found;
}

/** A client of dynalite that notes each call's action and partition keys in `accesses`. */
function recordingClient(endpoint: string, accesses: Access[]): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = `dynamodb:${(context.commandName ?? '').replace(/Command$/, '')}`;
      accesses.push({ action, keys: [...new Set(partitionKeys(args.input))] });
      return next(args);
    },
    { step: 'initialize', name: 'recordAccess' },
  );
  return client;
}

/**
 * The accesses no statement of `role` allows, as `action keys` lines. As in IAM, one statement
 * must allow the action and every key of the call (`ForAllValues`): a call that writes two
 * partitions needs a statement that names both.
 */
function refused(accesses: readonly Access[], statements: readonly LedgerStatement[]): string[] {
  const lines = new Set<string>();
  for (const { action, keys } of accesses) {
    const allowed = statements.some(
      (statement) =>
        statement.actions.includes(action) &&
        keys.every((key) => statement.leadingKeys.some((pattern) => pattern.test(key))),
    );
    if (!allowed) lines.add(`${action} ${keys.map((key) => key.replace(/#.*/, '#…')).join(' ')}`);
  }
  return [...lines];
}

function failedPart(requestId: string, part: number, at: number): PartOutcome {
  return {
    requestId,
    part,
    outcome: 'failed',
    invitedCount: 0,
    skippedIds: [],
    failedIds: ['a', 'b'],
    errorType: 'EnqueueFailed',
    errorMessage: 'refused',
    at,
  };
}

describe("the functions' roles allow every ledger call their code makes", () => {
  let dynamodb: DynamoDbContext;
  let roles: Map<string, LedgerStatement[]>;

  before(async () => {
    dynamodb = await startDynamoDb();
    roles = ledgerStatements();
  });
  after(() => dynamodb.stop());

  /** Adapters on a recording client of their own, and what they sent. */
  function asRole() {
    const accesses: Access[] = [];
    const client = recordingClient(dynamodb.endpoint, accesses);
    return { accesses, options: { client, tableName: dynamodb.tableName }, client };
  }

  it('the intake: keys claimed, taken over and settled, requests recorded twice, parts refused', async () => {
    const { accesses, options, client } = asRole();
    const ledger = new DynamoDbRequestLedger(options);
    const history = new DynamoDbInviteHistory(options);
    const record: IdempotencyRecord = {
      fingerprint: 'f',
      requestId: 'req-iam-1',
      attempt: 'attempt-1',
      state: 'inProgress',
      lockedUntil: NOW + 35_000,
      accessorCount: 2,
      messageCount: 0,
      queuedParts: [],
    };
    const request = {
      requestId: 'req-iam-1',
      spaceId: 'SPIAM',
      source: 'http' as const,
      requestedBy: 'arn:aws:iam::123456789012:user/ops',
      accessorCount: 2,
      partCount: 2,
      createdAt: NOW,
      expiresAt: NOW + 30 * DAY_MS,
    };

    await ledger.claim('key-iam', record, NOW + DAY_MS, NOW);
    await ledger.claim('key-iam', { ...record, attempt: 'attempt-2' }, NOW + DAY_MS, NOW);
    const partial = { ...record, state: 'partial' as const, lockedUntil: 0, queuedParts: [1] };
    await ledger.settle('key-iam', partial);
    const taken = { attempt: 'attempt-2', lockedUntil: NOW + 70_000, expiresAt: NOW + DAY_MS };
    await ledger.takeOver('key-iam', partial, taken);
    await ledger.takeOver('key-iam', partial, { ...taken, attempt: 'attempt-3' });
    await ledger.settle('key-iam', { ...partial, attempt: 'attempt-9' });
    await ledger.recordRequest(request);
    // A retry finds its request recorded, reads it back and lists it under its day.
    await ledger.recordRequest({ ...request, createdAt: NOW + 60_000 });
    // A request whose ID is its own is written with its day's entry in one call.
    await ledger.recordRequest({ ...request, requestId: 'req-iam-new' }, { isNew: true });
    await ledger.recordOutcome(failedPart('req-iam-1', 2, NOW), NOW + DAY_MS);
    await ledger.recordOutcome(failedPart('req-iam-1', 2, NOW + 1), NOW + DAY_MS);
    await ledger.clearOutcomes('req-iam-1', [2]);
    // A dry run asks who was invited recently.
    await history.invitedSince('SPIAM', ['a', 'b'], NOW - DAY_MS, NOW);
    client.destroy();

    assert.deepEqual(refused(accesses, roles.get('IntakeRole') ?? []), []);
  });

  it('the worker: parts recorded and found, invites remembered, the shared rate, call groups', async () => {
    const { accesses, options, client } = asRole();
    const outcomes = new DynamoDbOutcomes(options);
    const history = new DynamoDbInviteHistory(options);
    const rate = new DynamoDbRateStore({ ...options, scope: 'IamTest' });
    const delivered: PartOutcome = {
      requestId: 'req-iam-2',
      part: 1,
      outcome: 'delivered',
      invitedCount: 1,
      skippedIds: ['s'],
      failedIds: [],
      at: NOW,
    };

    await outcomes.recordOutcome(failedPart('req-iam-2', 1, NOW), NOW + DAY_MS);
    await outcomes.recordOutcome(delivered, NOW + DAY_MS);
    await outcomes.recordOutcome({ ...delivered, at: NOW + 1 }, NOW + DAY_MS);
    await outcomes.deliveredParts([{ requestId: 'req-iam-2', part: 1 }]);
    await history.remember('SPIAM', ['a'], NOW, NOW + DAY_MS, () => 'req-iam-2');
    await history.invitedSince('SPIAM', ['a'], NOW - DAY_MS, NOW);
    const reservation = { now: NOW, latestStart: NOW + 1_000, intervalMs: 200, restartBefore: 0 };
    const { state } = await rate.reserve({ ...reservation, expected: undefined });
    // A stale view: the update's condition fails and the schedule is read again.
    await rate.reserve({ ...reservation, expected: { ...state, epoch: state.epoch + 5 } });
    await rate.cut({ epoch: state.epoch, now: NOW, lastMaxRate: 5, pausedUntil: NOW + 1_000 });
    await rate.read();
    // A group opened, joined, refused a late join (its hand-off deleted), closed and read.
    const groups = new DynamoDbCallGroups(options);
    const handed = { messageId: 'm', receiptHandle: 'h', body: '{}', receiveCount: 1 };
    const handOff = { messages: [handed], accessors: 1, bytes: 2, latestClose: NOW + 1_000 };
    await groups.open(
      'content',
      { token: 't', closesAt: NOW + 1_000, room: 9, bytesLeft: 99 },
      NOW,
    );
    await groups.join('content', handOff, NOW);
    await groups.join('content', { ...handOff, latestClose: NOW }, NOW);
    assert.equal((await groups.close('content', 't')).length, 1);
    client.destroy();

    assert.deepEqual(refused(accesses, roles.get('WorkerRole') ?? []), []);
  });

  it('the status function: a request, its parts and its accessor pages', async () => {
    const { accesses, options, client } = asRole();
    const reader = new DynamoDbLedgerReader(options);
    // Written as the worker would, outside what is recorded.
    const setup = { client: dynamodb.client, tableName: dynamodb.tableName };
    await new DynamoDbOutcomes(setup).recordOutcome(failedPart('req-iam-3', 1, NOW), NOW + DAY_MS);

    await reader.request('req-iam-3', NOW);
    await reader.parts('req-iam-3');
    const page = await reader.accessors('req-iam-3', 'failed', { limit: 1 });
    assert.ok(page.nextToken);
    await reader.accessors('req-iam-3', 'failed', { limit: 1, nextToken: page.nextToken });
    client.destroy();

    assert.ok(accesses.length >= 4);
    assert.deepEqual(refused(accesses, roles.get('StatusRole') ?? []), []);
  });
});

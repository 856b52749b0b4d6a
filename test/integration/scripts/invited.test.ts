import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../scripts/invited.ts';
import { DynamoDbInviteHistory } from '../../../shared/adapters/ledger/dynamodb-invite-history.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { runScript } from '../../helpers/run-script.ts';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const LATER = NOW + 7 * 86_400_000;
const SPACE = 'SPINVITED000000000000001';

function recorder() {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

describe('npm run invited', () => {
  let db: DynamoDbContext;
  let history: DynamoDbInviteHistory;
  let env: Record<string, string>;

  before(async () => {
    db = await startDynamoDb();
    history = new DynamoDbInviteHistory({ client: db.client, tableName: db.tableName });
    env = { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, AWS_REGION: 'us-east-1' };
    const requestOf = (id: string) => (id === 'alice@example.com' ? 'req-alice' : 'req-bob');
    await history.remember(SPACE, ['alice@example.com', 'bob@example.com'], NOW, LATER, requestOf);
    // A record written before requests were kept with them.
    await history.remember(SPACE, ['carol@example.com'], NOW, LATER);
  });
  after(() => db.stop());

  async function run(accessor: string, now = NOW + 1_000, extra: string[] = []) {
    const stdout = recorder();
    const stderr = recorder();
    const argv = ['--space', SPACE, '--accessor', accessor, '--table', db.tableName, ...extra];
    const exitCode = await main(argv, { stdout, stderr, env, now: () => now });
    return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
  }

  it('says when and by which request an accessor was invited', async () => {
    const alice = await run('alice@example.com');
    const bob = await run('bob@example.com');

    assert.equal(alice.exitCode, 0, alice.stderr);
    assert.match(
      alice.stdout,
      /^alice@example\.com was invited to SPINVITED000000000000001 at 2026-11-30T12:00:00\.000Z by request req-alice; new requests leave them out until 2026-12-07T12:00:00\.000Z unless they say resend \(or REINVITE_AFTER_DAYS was lowered since\)\.\n$/,
    );
    assert.match(bob.stdout, /by request req-bob;/);
  });

  it('gives the worker the request that invited each accessor, when the record names one', async () => {
    const found = await history.invitedSince(
      SPACE,
      ['alice@example.com', 'bob@example.com', 'carol@example.com', 'dave@example.com'],
      NOW - 1,
      NOW + 1_000,
    );

    assert.deepEqual(
      new Map(found),
      new Map([
        ['alice@example.com', 'req-alice'],
        ['bob@example.com', 'req-bob'],
        ['carol@example.com', undefined],
      ]),
    );
  });

  it('agrees with the worker: a record past its expiry is gone, whatever window asks for it', async () => {
    // The window was raised from 7 to 30 days after alice's invitation expired.
    const now = LATER + 3 * 86_400_000;
    const since = now - 30 * 86_400_000;

    const worker = await history.invitedSince(SPACE, ['alice@example.com'], since, now);
    const invited = await run('alice@example.com', now);

    assert.deepEqual([...worker], []);
    assert.match(invited.stdout, /no record|not invited/i);
  });

  it('says when without a request for a record that has none', async () => {
    const carol = await run('carol@example.com');

    assert.equal(carol.exitCode, 0);
    assert.match(
      carol.stdout,
      /^carol@example\.com was invited to \S+ at 2026-11-30T12:00:00\.000Z; /,
    );
  });

  it('exits 1 saying there is no record, for someone never invited and once a record expired', async () => {
    const never = await run('dave@example.com');
    const expired = await run('alice@example.com', LATER + 1);

    for (const answer of [never, expired]) {
      assert.equal(answer.exitCode, 1);
      assert.match(
        answer.stdout,
        /^No record of \S+ in SPINVITED000000000000001 \(table .*\): not invited there within REINVITE_AFTER_DAYS\.\n$/,
      );
    }
  });

  it('exits 3, not 1, naming the table, when the table cannot be read: nothing is known', async () => {
    const stdout = recorder();
    const stderr = recorder();
    const argv = ['--space', SPACE, '--accessor', 'alice@example.com', '--table', 'no-such-table'];

    const exitCode = await main(argv, { stdout, stderr, env, now: () => NOW + 1_000 });

    assert.equal(exitCode, 3);
    assert.equal(stdout.text(), '');
    assert.match(
      stderr.text(),
      /^invited: could not read table no-such-table at http:\/\/127\.0\.0\.1:\d+: no such table there \(check --stack, --table and --region\)\ninvited failed: /,
    );
  });

  it('warns of blanks around the accessor ID, which is looked up as it was given', async () => {
    const padded = await run(' alice@example.com');

    assert.equal(padded.exitCode, 1);
    assert.match(padded.stderr, /--accessor " alice@example\.com" begins or ends with blanks/);
  });

  it('exits 2 on invalid arguments before reading the table', async () => {
    const cases: [string[], RegExp][] = [
      [['--space', SPACE], /Pass --accessor <id>/],
      [['--space', SPACE, '--accessor', ''], /--accessor: accessor ID must not be empty/],
      [
        ['--space', SPACE, '--accessor', 'a\u0001b'],
        /--accessor: accessor ID must not contain control characters/,
      ],
      [['--accessor', 'alice'], /Pass --space <spaceId>/],
      [
        ['--space', SPACE, '--accessor', 'a', '--stack', 's', '--table', 't'],
        /--stack or --table, not both/,
      ],
    ];
    for (const [argv, message] of cases) {
      const stderr = recorder();
      const exitCode = await main(argv, { stdout: recorder(), stderr, env });
      assert.equal(exitCode, 2, argv.join(' '));
      assert.match(stderr.text(), message);
      assert.match(stderr.text(), /Run with --help for usage/);
    }
  });

  it('prints its usage when run as a command', async () => {
    const { stdout, exitCode } = await runScript('scripts/invited.ts', ['--help']);

    assert.equal(exitCode, 0);
    assert.match(stdout, /^Usage: npm run invited -- --space <spaceId> --accessor <id>/);
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadStackDefinitions } from '../../../infra/local/definitions.ts';
import { ensureTable } from '../../../infra/local/local-dynamodb.ts';
import { main } from '../../../scripts/forget.ts';
import { DynamoDbInviteHistory } from '../../../shared/adapters/ledger/dynamodb-invite-history.ts';
import { dynamoDbError } from '../../helpers/dynamodb-faults.ts';
import { startFaultProxy } from '../../helpers/fault-proxy.ts';
import { type DynamoDbContext, startDynamoDb } from '../../helpers/ledger.ts';
import { runScript } from '../../helpers/run-script.ts';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');
const LATER = NOW + 7 * 86_400_000;
const SPACE = 'SPFORGET0000000000000001';
const OTHER = 'SPFORGET0000000000000002';

function recorder() {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

async function run(argv: string[], env: Record<string, string>) {
  const stdout = recorder();
  const stderr = recorder();
  const exitCode = await main(argv, { stdout, stderr, env });
  return { exitCode, stdout: stdout.text(), stderr: stderr.text() };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run forget', () => {
  let db: DynamoDbContext;
  let history: DynamoDbInviteHistory;
  let localHistory: DynamoDbInviteHistory;
  let env: Record<string, string>;
  const accessors = Array.from({ length: 130 }, (_, index) => `person-${index}@example.com`);

  before(async () => {
    db = await startDynamoDb();
    history = new DynamoDbInviteHistory({ client: db.client, tableName: db.tableName });
    // The table the local stack's stage gets, in the same dynalite.
    const { ledger } = loadStackDefinitions(join(import.meta.dirname, '../../../serverless.yml'));
    await ensureTable(db.client, ledger);
    localHistory = new DynamoDbInviteHistory({ client: db.client, tableName: ledger.name });
    env = { AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, AWS_REGION: 'us-east-1' };
  });
  after(() => db.stop());

  it('only counts a space’s records without --yes, and deletes nothing', async () => {
    await history.remember(SPACE, accessors, NOW, LATER);

    const counted = await run(['--space', SPACE, '--table', db.tableName], env);

    assert.equal(counted.exitCode, 0, counted.stderr);
    assert.match(
      counted.stdout,
      new RegExp(
        `Space ${SPACE} has 130 invite records in table ${db.tableName} at ${db.endpoint}`,
      ),
    );
    assert.match(counted.stdout, /Nothing was deleted\. Run again with --yes/);
    assert.equal(await history.countSpace(SPACE), 130);
  });

  it('with --yes forgets every record of the space and none of another space', async () => {
    await history.remember(OTHER, accessors.slice(0, 4), NOW, LATER);

    const forgot = await run(['--space', SPACE, '--table', db.tableName, '--yes'], env);

    assert.equal(forgot.exitCode, 0, forgot.stderr);
    assert.match(
      forgot.stdout,
      new RegExp(`Forgot 130 records: the next requests for ${SPACE} invite everyone again`),
    );
    assert.equal(await history.countSpace(SPACE), 0);
    assert.equal((await history.invitedSince(SPACE, accessors, NOW, NOW)).size, 0);
    assert.equal(await history.countSpace(OTHER), 4);

    const again = await run(['--space', SPACE, '--table', db.tableName, '--yes'], env);
    assert.equal(again.exitCode, 0);
    assert.match(again.stdout, /has 0 invite records/);
    assert.doesNotMatch(again.stdout, /Forgot/);
  });

  it('works on the local stack’s table by default, with no AWS credentials in the environment', async () => {
    await localHistory.remember(SPACE, accessors.slice(0, 3), NOW, LATER);
    const port = new URL(db.endpoint).port;

    const forgot = await run(['--space', SPACE, '--yes'], { LOCAL_DYNAMODB_PORT: port });

    assert.equal(forgot.exitCode, 0, forgot.stderr);
    assert.match(forgot.stdout, /the local stack's table repost-invite-pipeline-local-ledger/);
    assert.match(forgot.stdout, /Forgot 3 records/);
    assert.equal(await localHistory.countSpace(SPACE), 0);
  });

  it('exits 1 naming the cause when the local stack is not running', async () => {
    const port = await closedPort();

    const failed = await run(['--space', SPACE], { LOCAL_DYNAMODB_PORT: String(port) });

    assert.equal(failed.exitCode, 1);
    assert.match(failed.stderr, /^forget failed: .*\(is npm start running\?\)\n$/);
  });

  it('says what the endpoint did, without asking about npm start, when the local table answers something else', async () => {
    // Something on the local port that is not DynamoDB: it answers every call with a web page.
    const page = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>not DynamoDB</body></html>');
    }).listen(0, '127.0.0.1');
    await once(page, 'listening');
    const { port } = page.address() as { port: number };

    const failed = await run(['--space', SPACE], { LOCAL_DYNAMODB_PORT: String(port) });
    page.close();

    assert.equal(failed.exitCode, 1);
    assert.equal(
      failed.stderr,
      'forget failed: the endpoint answered HTTP 200 with something that is not an AWS answer: is it the right endpoint?\n',
    );
  });

  it('stops at a failed delete, saying how many it deleted, and deletes the rest when run again', async () => {
    const space = 'SPFORGET0000000000000003';
    await history.remember(space, accessors, NOW, LATER);
    // The first delete call goes through; every later one is refused (the SDK does not retry
    // an access denial), as when the role lost its permission mid-run.
    let writes = 0;
    const proxy = await startFaultProxy(db.endpoint, (request) => {
      if (request.headers['x-amz-target'] !== 'DynamoDB_20120810.BatchWriteItem') return 'forward';
      writes++;
      return writes === 1
        ? 'forward'
        : dynamoDbError(
            'AccessDeniedException',
            'User is not authorized to perform BatchWriteItem',
          );
    });
    try {
      const failed = await run(['--space', space, '--table', db.tableName, '--yes'], {
        ...env,
        AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
      });

      assert.equal(failed.exitCode, 1);
      const left = await history.countSpace(space);
      assert.ok(left > 0 && left < 130, `${left} left`);
      assert.match(
        failed.stderr,
        new RegExp(
          `Deleted at least ${130 - left} of 130 records before the failure below; run again`,
        ),
      );
      assert.match(failed.stderr, /not authorized/);
      // Once a call failed, no shard starts another: at most the four lanes' calls in flight.
      assert.ok(writes <= 5, `${writes} delete calls`);
    } finally {
      await proxy.stop();
    }

    const again = await run(['--space', space, '--table', db.tableName, '--yes'], env);

    assert.equal(again.exitCode, 0, again.stderr);
    assert.equal(await history.countSpace(space), 0);
  });

  it('exits 2 on invalid arguments before touching any table', async () => {
    await history.remember(OTHER, accessors.slice(0, 4), NOW, LATER);
    const cases: [string[], RegExp][] = [
      [['--yes'], /Pass --space <spaceId>/],
      [['--space', 'not a space', '--yes'], /--space must be a space ID/],
      [['--space', OTHER, '--stack', 's', '--table', 't', '--yes'], /--stack or --table, not both/],
      [
        ['--space', OTHER, '--region', 'eu-west-1', '--yes'],
        /--region goes with --stack or --table/,
      ],
      [['--space', OTHER, '--table', 'a b', '--yes'], /--table must be a DynamoDB table name/],
      [
        ['--space', OTHER, '--stack', '9bad', '--yes'],
        /--stack must be a CloudFormation stack name/,
      ],
      [['--space', OTHER, '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [argv, message] of cases) {
      const refused = await run(argv, env);
      assert.equal(refused.exitCode, 2, argv.join(' '));
      assert.match(refused.stderr, message);
      assert.match(refused.stderr, /Run with --help for usage/);
    }
    assert.equal(await history.countSpace(OTHER), 4);
  });

  it('prints its usage when run as a command', async () => {
    const { stdout, exitCode, stderr } = await runScript('scripts/forget.ts', ['--help']);

    assert.equal(exitCode, 0, stderr);
    assert.match(stdout, /^Usage: npm run forget -- --space <spaceId>/);
    assert.match(stdout, /Without --yes it only\ncounts the records/);
  });
});

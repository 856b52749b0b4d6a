import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { loadStackDefinitions } from '../../../infra/local/definitions.ts';
import { ensureLocalQueues, type LocalQueue } from '../../../infra/local/local-queues.ts';
import { MessageMoveUnsupportedError } from '../../../scripts/lib/errors.ts';
import { queueNames } from '../../../scripts/lib/run-redrive.ts';
import { createScriptSqsClient } from '../../../scripts/lib/script-sqs-client.ts';
import { SqsMessageMover } from '../../../scripts/lib/sqs-message-mover.ts';
import { SqsQueueDirectory } from '../../../scripts/lib/sqs-queue-directory.ts';
import { main } from '../../../scripts/redrive.ts';
import { runScript } from '../../helpers/run-script.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const STAGE = 'it';

const home = mkdtempSync(join(tmpdir(), 'redrive-home-'));

/**
 * Leaves the SDK nothing to find, as on a newcomer's laptop: no AWS_* variables, no config or
 * credentials file, no instance metadata. The command is given its environment as io.env.
 */
function withoutAwsSettings() {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_')) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
}

function recorder() {
  const chunks: string[] = [];
  return { write: (chunk: string) => chunks.push(chunk), text: () => chunks.join('') };
}

describe('npm run redrive against fauxqs', () => {
  let server: FauxqsServer;
  let client: SQSClient;
  let queues: { invites: LocalQueue; deadLetter: LocalQueue };
  const bodies = ['{"v":1,"part":1}', '{"v":1,"part":2}', '{"v":1,"part":3}'];

  async function park() {
    for (const body of bodies) {
      await client.send(
        new SendMessageCommand({
          QueueUrl: queues.deadLetter.url,
          MessageBody: body,
          MessageAttributes: { ErrorType: { DataType: 'String', StringValue: 'EnqueueFailed' } },
        }),
      );
    }
  }

  /** Takes every message off the invites queue. */
  async function takeInvites(): Promise<Message[]> {
    const taken: Message[] = [];
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queues.invites.url,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
        }),
      );
      if (Messages.length === 0) return taken;
      for (const message of Messages) {
        await client.send(
          new DeleteMessageCommand({
            QueueUrl: queues.invites.url,
            ReceiptHandle: message.ReceiptHandle,
          }),
        );
      }
      taken.push(...Messages);
    }
  }

  before(async () => {
    server = await startFauxqs({ port: 0, logger: false });
    withoutAwsSettings();
    client = new SQSClient({
      endpoint: server.address,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
    });
    const definitions = loadStackDefinitions(join(ROOT, 'serverless.yml'), { stage: STAGE });
    queues = await ensureLocalQueues(client, definitions.queues);
    await park();
  });
  after(async () => {
    client.destroy();
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('finds the queues by the names infra/queues.yml gives them and reads the DLQ depth', async () => {
    const directory = new SqsQueueDirectory(client);
    const names = queueNames('repost-invite-pipeline', STAGE);

    const dlqUrl = await directory.urlOf(names.deadLetter);
    const dlq = await directory.describe(dlqUrl);

    assert.deepEqual(names, { invites: queues.invites.name, deadLetter: queues.deadLetter.name });
    assert.equal(dlqUrl, queues.deadLetter.url);
    assert.equal(await directory.urlOf(names.invites), queues.invites.url);
    assert.deepEqual(
      { arn: dlq.arn, visible: dlq.visible, inFlight: dlq.inFlight },
      { arn: queues.deadLetter.arn, visible: 3, inFlight: 0 },
    );
    await assert.rejects(directory.urlOf('repost-invite-pipeline-nope-invites-dlq'), {
      name: 'QueueNotFoundError',
    });
  });

  it('moves the DLQ back itself where fauxqs has no move tasks, with no AWS credentials or region', async () => {
    const stdout = recorder();
    const stderr = recorder();

    const exitCode = await main(['--stage', STAGE], {
      stdout,
      stderr,
      env: { AWS_ENDPOINT_URL_SQS: server.address },
    });

    const moved = await takeInvites();
    await assert.rejects(
      new SqsMessageMover(client).list(queues.deadLetter.arn),
      MessageMoveUnsupportedError,
    );
    assert.equal(exitCode, 0, stderr.text());
    assert.match(
      stdout.text(),
      /Dead-letter queue {2}repost-invite-pipeline-it-invites-dlq holds 3 messages/,
    );
    assert.match(stdout.text(), /by receiving, sending and deleting them/);
    assert.match(
      stdout.text(),
      /3\/3 messages moved {2}COMPLETED\nDone: moved 3 messages to repost-invite-pipeline-it-invites/,
    );
    assert.deepEqual(moved.map((message) => message.Body).sort(), bodies);
    assert.deepEqual(
      moved.map((message) => message.MessageAttributes?.ErrorType?.StringValue),
      ['EnqueueFailed', 'EnqueueFailed', 'EnqueueFailed'],
    );
    assert.equal((await new SqsQueueDirectory(client).describe(queues.deadLetter.url)).visible, 0);
  });

  it('takes the endpoint from a loopback --dlq-url, as the local stack prints it or on 127.0.0.1', async () => {
    const onLoopbackAddress = (queue: LocalQueue) => {
      const url = new URL(queue.url);
      url.hostname = '127.0.0.1';
      return url.href;
    };
    const forms = [
      [queues.deadLetter.url, queues.invites.url],
      [onLoopbackAddress(queues.deadLetter), onLoopbackAddress(queues.invites)],
    ];

    for (const [dlqUrl = '', queueUrl = ''] of forms) {
      await park();
      const stdout = recorder();
      const stderr = recorder();
      const exitCode = await main(['--dlq-url', dlqUrl, '--queue-url', queueUrl], {
        stdout,
        stderr,
        env: {},
      });

      assert.equal(exitCode, 0, stderr.text());
      assert.match(stdout.text(), /repost-invite-pipeline-it-invites-dlq holds 3 messages/);
      assert.equal((await takeInvites()).length, 3);
    }
  });

  it("with --stage local goes to the local stack's SQS on LOCAL_SQS_PORT, no endpoint set", async () => {
    const local = loadStackDefinitions(join(ROOT, 'serverless.yml'), { stage: 'local' });
    await ensureLocalQueues(client, local.queues);
    const stdout = recorder();
    const stderr = recorder();

    const exitCode = await main(['--stage', 'local'], {
      stdout,
      stderr,
      env: { LOCAL_SQS_PORT: new URL(server.address).port },
    });

    assert.equal(exitCode, 0, stderr.text());
    assert.match(stdout.text(), /repost-invite-pipeline-local-invites-dlq holds 0 messages/);
  });

  it('takes a deployed stage named local for one when --region is given', async () => {
    const stderr = recorder();

    const exitCode = await main(['--stage', 'local', '--region', 'eu-west-1'], {
      stdout: recorder(),
      stderr,
      env: { LOCAL_SQS_PORT: new URL(server.address).port },
    });

    // No credentials here: the command went to AWS, not to the fauxqs on LOCAL_SQS_PORT; a
    // missing credential is the operator's to fix, like a missing region.
    assert.equal(exitCode, 2);
    assert.match(
      stderr.text(),
      /^redrive failed: Could not load credentials.*\(sign in, e\.g\. aws sso login/,
    );
  });

  it('asks whether npm start is running when the local stack does not answer', async () => {
    const stderr = recorder();

    // Port 9 (discard) on loopback: nothing listens there.
    const exitCode = await main(['--stage', 'local'], {
      stdout: recorder(),
      stderr,
      env: { LOCAL_SQS_PORT: '9' },
    });

    assert.equal(exitCode, 1);
    assert.match(stderr.text(), /^redrive failed: .*ECONNREFUSED.* \(is npm start running\?\)\n$/);
  });

  it('names a missing queue given by URL, and asks to check the URL rather than --stage', async () => {
    const stderr = recorder();
    const missing = `${server.address}/000000000000/no-such-dlq`;

    const exitCode = await main(['--dlq-url', missing, '--queue-url', `${missing}-2`], {
      stdout: recorder(),
      stderr,
      env: { AWS_ENDPOINT_URL_SQS: server.address },
    });

    assert.equal(exitCode, 1);
    assert.equal(
      stderr.text(),
      `redrive failed: Queue ${missing} does not exist (check the URL, and the SQS endpoint or region it was sent to)\n`,
    );
  });

  it('exits 2 for a LOCAL_SQS_PORT that is not a port, before any call', async () => {
    const stderr = recorder();

    const exitCode = await main(['--stage', 'local'], {
      stdout: recorder(),
      stderr,
      env: { LOCAL_SQS_PORT: 'abc' },
    });

    assert.equal(exitCode, 2);
    assert.match(stderr.text(), /^redrive: LOCAL_SQS_PORT must be a number .*\nRun with --help/);
  });

  it('exits 2 for a profile without credentials on the local stack, and says none are needed there', async (t) => {
    const config = join(home, 'credentials-less-config');
    writeFileSync(config, '[profile expired]\nregion = us-east-1\n');
    const env = {
      AWS_PROFILE: 'expired',
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    };
    Object.assign(process.env, env);
    t.after(withoutAwsSettings);
    const stderr = recorder();

    const exitCode = await main(['--stage', 'local'], {
      stdout: recorder(),
      stderr,
      env: { ...env, LOCAL_SQS_PORT: new URL(server.address).port },
    });

    assert.equal(exitCode, 2);
    assert.match(stderr.text(), /\(the local stack needs none: unset AWS_PROFILE/);
    assert.doesNotMatch(stderr.text(), /npm start running/);
  });

  it('exits 2 asking for --region when the queues are on AWS and no region is set', async () => {
    const stderr = recorder();

    const exitCode = await main(['--stage', 'prod'], { stdout: recorder(), stderr, env: {} });

    assert.equal(exitCode, 2);
    assert.match(
      stderr.text(),
      /^redrive: No AWS region for SQS: pass --region or set AWS_REGION\nRun with --help/,
    );
  });

  it("takes the region from the AWS config's profile when the environment names none", async (t) => {
    // A file of its own: the SDK keeps what it read from a path for the life of the process.
    const config = join(home, 'profile-config');
    writeFileSync(config, '[profile newcomer]\nregion = eu-west-1\n');
    const env = { AWS_PROFILE: 'newcomer', AWS_CONFIG_FILE: config };
    Object.assign(process.env, env);
    t.after(withoutAwsSettings);

    const sqs = await createScriptSqsClient({ env });

    assert.equal(await sqs.config.region(), 'eu-west-1');
    sqs.destroy();
  });

  it('takes the region from an AWS queue URL before AWS_REGION, and refuses a --region or a queue URL of another', async () => {
    const dlqUrl =
      'https://sqs.eu-west-1.amazonaws.com/123456789012/repost-invite-pipeline-prod-invites-dlq';
    const queueUrl =
      'https://sqs.eu-west-1.amazonaws.com/123456789012/repost-invite-pipeline-prod-invites';

    const sqs = await createScriptSqsClient({ env: { AWS_REGION: 'us-east-1' }, queueUrl: dlqUrl });
    assert.equal(await sqs.config.region(), 'eu-west-1');
    sqs.destroy();
    await assert.rejects(
      createScriptSqsClient({ env: {}, queueUrl: dlqUrl, region: 'us-east-1' }),
      /The queue URL is in eu-west-1, but --region says us-east-1/,
    );
    const stderr = recorder();
    const exitCode = await main(
      ['--dlq-url', dlqUrl, '--queue-url', queueUrl.replace('eu-west-1', 'us-west-2')],
      { stdout: recorder(), stderr, env: {} },
    );
    assert.equal(exitCode, 2);
    assert.match(stderr.text(), /--dlq-url is in eu-west-1 and --queue-url in us-west-2/);
  });

  it('prints its usage when run as a command', async () => {
    const { stdout, stderr, exitCode } = await runScript('scripts/redrive.ts', ['--help']);

    assert.equal(exitCode, 0, stderr);
    assert.match(stdout, /^Usage: npm run redrive -- --stage <stage>/);
  });
});

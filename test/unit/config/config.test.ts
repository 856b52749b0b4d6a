import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigurationError } from '../../../shared/config/environment.ts';
import { readIntakeConfig } from '../../../shared/config/intake-config.ts';
import { readWorkerConfig } from '../../../shared/config/worker-config.ts';

const QUEUES = {
  INVITES_QUEUE_URL: 'http://queue/invites',
  DEAD_LETTER_QUEUE_URL: 'http://queue/dlq',
  LEDGER_TABLE_NAME: 'ledger',
};

describe('readWorkerConfig', () => {
  it('resolves the re:Post Private endpoint from the service variable, then the global one, then the region', () => {
    // Prepare
    const cases = [
      [
        { AWS_ENDPOINT_URL_REPOSTSPACE: 'http://local:1', AWS_ENDPOINT_URL: 'http://all:2' },
        'http://local:1',
      ],
      [{ AWS_ENDPOINT_URL_REPOSTSPACE: ' ', AWS_ENDPOINT_URL: 'http://all:2' }, 'http://all:2'],
      [{ AWS_ENDPOINT_URL: 'http://all:2' }, 'http://all:2'],
      [{}, 'https://repostspace.eu-west-1.amazonaws.com'],
      [
        {
          AWS_ENDPOINT_URL_REPOSTSPACE: 'http://local:1',
          AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
        },
        'https://repostspace.eu-west-1.amazonaws.com',
      ],
    ] as const;

    // Act
    const resolved = cases.map(
      ([env]) =>
        readWorkerConfig({ ...QUEUES, AWS_REGION: 'eu-west-1', ...env }).repostspace.endpoint,
    );

    // Assess
    assert.deepEqual(
      resolved,
      cases.map(([, expected]) => expected),
    );
  });

  it('takes the region from AWS_REGION, then AWS_DEFAULT_REGION, and fails clearly without one', () => {
    // Act
    const fromRegion = readWorkerConfig({
      ...QUEUES,
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'x',
    });
    const fromDefault = readWorkerConfig({
      ...QUEUES,
      AWS_REGION: '',
      AWS_DEFAULT_REGION: 'us-west-2',
    });

    // Assess
    assert.equal(fromRegion.repostspace.region, 'eu-west-1');
    assert.equal(fromDefault.repostspace.region, 'us-west-2');
    assert.throws(() => readWorkerConfig(QUEUES), {
      name: 'ConfigurationError',
      message: /AWS_REGION/,
    });
  });

  it('names every invalid variable at once: queues, timeout, endpoints and log level', () => {
    // Act
    const error = (() => {
      try {
        readWorkerConfig({
          AWS_REGION: 'us-east-1',
          SEND_INVITES_TIMEOUT_MS: '10 s',
          AWS_ENDPOINT_URL_REPOSTSPACE: 'ftp://example.com',
          AWS_ENDPOINT_URL_SQS: 'not a url',
          POWERTOOLS_LOG_LEVEL: 'LOUD',
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    // Assess
    assert.ok(error instanceof ConfigurationError);
    assert.equal(error.problems.length, 7, error.message);
    for (const name of [
      'LEDGER_TABLE_NAME',
      'INVITES_QUEUE_URL',
      'DEAD_LETTER_QUEUE_URL',
      'SEND_INVITES_TIMEOUT_MS',
      'REPOSTSPACE endpoint',
      'SQS endpoint',
      'POWERTOOLS_LOG_LEVEL',
    ]) {
      assert.match(error.message, new RegExp(name));
    }
  });

  it("refuses a SendInvites timeout that would leave no call room in the worker's 60 s", () => {
    assert.throws(
      () =>
        readWorkerConfig({ ...QUEUES, AWS_REGION: 'us-east-1', SEND_INVITES_TIMEOUT_MS: '59000' }),
      { name: 'ConfigurationError', message: /SEND_INVITES_TIMEOUT_MS/ },
    );
    assert.equal(
      readWorkerConfig({ ...QUEUES, AWS_REGION: 'us-east-1', SEND_INVITES_TIMEOUT_MS: '30000' })
        .sendInvitesTimeoutMs,
      30_000,
    );
  });

  it('leaves the call budget one timeout plus two seconds of bookkeeping', () => {
    // Act
    const config = readWorkerConfig({
      ...QUEUES,
      AWS_REGION: 'us-east-1',
      SEND_INVITES_TIMEOUT_MS: '3000',
    });

    // Assess
    assert.equal(config.sendInvitesTimeoutMs, 3_000);
    assert.equal(config.callBudgetMs, 5_000);
  });
});

describe('the ledger settings', () => {
  it('read the table, its endpoint and how long requests and keys are kept', () => {
    // Act
    const config = readIntakeConfig({
      ...QUEUES,
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:4569',
      REQUEST_RETENTION_DAYS: '7',
      IDEMPOTENCY_TTL_SECONDS: '3600',
      REINVITE_AFTER_DAYS: '0',
    });
    const defaults = readWorkerConfig({ ...QUEUES, AWS_REGION: 'us-east-1' });

    // Assess
    assert.deepEqual(config.ledger, {
      tableName: 'ledger',
      endpoint: 'http://127.0.0.1:4569',
      requestRetentionMs: 7 * 86_400_000,
      idempotencyTtlMs: 3_600_000,
      reinviteAfterMs: 0,
    });
    assert.equal(defaults.ledger.requestRetentionMs, 30 * 86_400_000);
    assert.equal(defaults.ledger.reinviteAfterMs, 7 * 86_400_000);
    assert.equal(defaults.ledger.idempotencyTtlMs, 86_400_000);
  });

  it('refuse a table name DynamoDB would refuse and retention out of range', () => {
    // Act & Assess
    assert.throws(
      () =>
        readIntakeConfig({
          ...QUEUES,
          LEDGER_TABLE_NAME: 'x',
          REQUEST_RETENTION_DAYS: '0',
          IDEMPOTENCY_TTL_SECONDS: 'soon',
          REINVITE_AFTER_DAYS: '-1',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.deepEqual(
          error.problems.map((problem) => problem.split(' ')[0]),
          [
            'LEDGER_TABLE_NAME',
            'REQUEST_RETENTION_DAYS',
            'IDEMPOTENCY_TTL_SECONDS',
            'REINVITE_AFTER_DAYS',
          ],
        );
        return true;
      },
    );
  });
});

describe('readIntakeConfig', () => {
  it('reads the telemetry names and the SQS endpoint the standard way', () => {
    // Act
    const config = readIntakeConfig({
      ...QUEUES,
      POWERTOOLS_SERVICE_NAME: 'svc',
      POWERTOOLS_METRICS_NAMESPACE: 'Ns',
      POWERTOOLS_LOG_LEVEL: 'debug',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    });
    const defaults = readIntakeConfig(QUEUES);

    // Assess
    assert.deepEqual(config.telemetry, {
      serviceName: 'svc',
      metricsNamespace: 'Ns',
      logLevel: 'DEBUG',
    });
    assert.equal(config.sqsEndpoint, 'http://127.0.0.1:4566');
    assert.deepEqual(defaults.telemetry, {
      serviceName: 'repost-invite-pipeline',
      metricsNamespace: 'RepostInvitePipeline',
    });
    assert.equal(defaults.sqsEndpoint, undefined);
  });

  it('rejects invalid spaces, texts and sizes, naming each', () => {
    // Act & Assess
    assert.throws(
      () =>
        readIntakeConfig({
          ...QUEUES,
          ALLOWED_SPACE_IDS: 'SPok,bad space',
          DEFAULT_SPACE_ID: 'no/slash',
          DEFAULT_INVITE_TITLE: 'x'.repeat(201),
          QUEUE_MAX_MESSAGE_BYTES: '1',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigurationError);
        assert.equal(error.problems.length, 4, error.message);
        return true;
      },
    );
  });
});

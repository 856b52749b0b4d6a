import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLocalStackConfig } from '../../../infra/local/local-config.ts';

describe('the local stack settings', () => {
  it('defaults to the documented ports, region and state folder, with the ledger on', () => {
    const config = readLocalStackConfig({});

    assert.equal(config.port, 3000);
    assert.equal(config.sqsPort, 4566);
    assert.equal(config.dynamodbPort, 4569);
    assert.equal(config.repostspacePort, 4580);
    assert.equal(config.region, 'us-east-1');
    assert.match(config.stateDir, /\/\.local$/);
    assert.equal(config.workerWithoutLedger, undefined);
    assert.deepEqual(config.workerOverrides, {});
  });

  it('takes the experiments’ worker settings, LOCAL_WORKER_LEDGER=off included', () => {
    const config = readLocalStackConfig({
      LOCAL_WORKER_CONCURRENCY: '5',
      LOCAL_WORKER_BATCH_SIZE: '40',
      LOCAL_WORKER_LEDGER: 'OFF',
    });

    assert.deepEqual(config.workerOverrides, { maximumConcurrency: 5, batchSize: 40 });
    assert.equal(config.workerWithoutLedger, true);
    assert.equal(
      readLocalStackConfig({ LOCAL_WORKER_LEDGER: 'on' }).workerWithoutLedger,
      undefined,
    );
  });

  it('refuses a LOCAL_WORKER_LEDGER other than on or off, naming it', () => {
    assert.throws(
      () => readLocalStackConfig({ LOCAL_WORKER_LEDGER: 'no' }),
      /LOCAL_WORKER_LEDGER must be on or off, got "no"/,
    );
  });
});

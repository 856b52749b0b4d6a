import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { tempStateDir } from '../../helpers/local-stack.ts';
import { runScript } from '../../helpers/run-script.ts';

describe('the local stack on a port that is taken', () => {
  // Bound on every address, so the port is taken whichever loopback address a server picks.
  const taken = createServer();
  const state = tempStateDir();
  let port: number;

  before(async () => {
    taken.listen(0);
    await once(taken, 'listening');
    port = (taken.address() as { port: number }).port;
  });
  after(() => {
    taken.close();
    state.cleanup();
  });

  for (const variable of [
    'PORT',
    'LOCAL_SQS_PORT',
    'LOCAL_REPOSTSPACE_PORT',
    'LOCAL_DYNAMODB_PORT',
  ]) {
    it(`exits 1 with one line naming the port and ${variable}, and no stack trace`, async () => {
      const env = {
        PORT: '0',
        LOCAL_SQS_PORT: '0',
        LOCAL_REPOSTSPACE_PORT: '0',
        LOCAL_DYNAMODB_PORT: '0',
        LOCAL_STATE_DIR: state.path,
        AWS_ENDPOINT_URL: undefined,
        AWS_ENDPOINT_URL_SQS: undefined,
        AWS_ENDPOINT_URL_REPOSTSPACE: undefined,
        AWS_ENDPOINT_URL_DYNAMODB: undefined,
        [variable]: String(port),
      };

      const { exitCode, stderr, stdout } = await runScript('infra/local/main.ts', [], env);

      assert.equal(exitCode, 1, stderr);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0] ?? '',
        new RegExp(
          `^local stack failed to start: port ${port} \\(${variable}\\) is already in use.*set ${variable} to another port`,
        ),
      );
    });
  }
});

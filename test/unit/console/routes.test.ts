import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsoleBackend } from '../../../scripts/console/console-backend.ts';
import { failureReply } from '../../../scripts/console/routes.ts';

/** What the error page reads of a backend: where it points. */
function backend(local: boolean): ConsoleBackend {
  return {
    label: local ? 'local stack at http://127.0.0.1:3000' : 'stack s in us-east-1',
    local,
  } as ConsoleBackend;
}

const refused = new TypeError('fetch failed', {
  cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3000'), { code: 'ECONNREFUSED' }),
});

describe('failureReply', () => {
  it('answers 502 and asks whether npm start is running when the local stack refuses', () => {
    const local = failureReply(refused, backend(true));
    const deployed = failureReply(refused, backend(false));

    assert.equal(local.status, 502);
    assert.match(local.body ?? '', /The pipeline did not answer/);
    assert.match(local.body ?? '', /Is npm start running\?/);
    assert.equal(deployed.status, 502);
    assert.doesNotMatch(deployed.body ?? '', /npm start/);
  });

  it('names what failed, not the error class: the cause of a failed fetch', () => {
    const reply = failureReply(refused, backend(true));

    assert.match(
      reply.body ?? '',
      /local stack at http:\/\/127\.0\.0\.1:3000: connect ECONNREFUSED 127\.0\.0\.1:3000\./,
    );
    assert.doesNotMatch(reply.body ?? '', /TypeError|fetch failed/);
  });
});

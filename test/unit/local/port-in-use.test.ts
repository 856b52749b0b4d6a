import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PortInUseError, rethrowPortInUse } from '../../../infra/local/port-in-use.ts';

describe('rethrowPortInUse', () => {
  it('turns EADDRINUSE into a PortInUseError naming the port and its variable', () => {
    const listenError = Object.assign(new Error('listen EADDRINUSE: address already in use'), {
      code: 'EADDRINUSE',
    });

    assert.throws(
      () => rethrowPortInUse('LOCAL_SQS_PORT', 4566)(listenError),
      (error: unknown) =>
        error instanceof PortInUseError &&
        error.name === 'PortInUseError' &&
        error.port === 4566 &&
        error.variable === 'LOCAL_SQS_PORT' &&
        error.cause === listenError &&
        /^port 4566 \(LOCAL_SQS_PORT\) is already in use/.test(error.message),
    );
  });

  it('rethrows any other error as it is', () => {
    const denied = Object.assign(new Error('listen EACCES'), { code: 'EACCES' });

    assert.throws(
      () => rethrowPortInUse('PORT', 80)(denied),
      (error: unknown) => error === denied,
    );
  });
});

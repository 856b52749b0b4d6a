import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageMoveUnsupportedError } from '../../../scripts/lib/errors.ts';
import { FallbackMessageMover } from '../../../scripts/lib/fallback-message-mover.ts';
import type { MessageMover, MoveTask, StartMoveInput } from '../../../scripts/lib/message-mover.ts';

/** A mover that records its calls, or refuses them all as an endpoint without move tasks does. */
class RecordingMover implements MessageMover {
  readonly calls: string[] = [];
  readonly inProcess: boolean;
  readonly #supported: boolean;

  constructor(options: { supported: boolean; inProcess: boolean }) {
    this.#supported = options.supported;
    this.inProcess = options.inProcess;
  }

  #call(name: string) {
    this.calls.push(name);
    if (!this.#supported) throw new MessageMoveUnsupportedError(name);
  }

  async start(_input: StartMoveInput) {
    this.#call('start');
    return 'handle';
  }

  async list(_sourceArn: string): Promise<MoveTask[]> {
    this.#call('list');
    return [];
  }

  async cancel(_taskHandle: string) {
    this.#call('cancel');
    return 0;
  }
}

const INPUT: StartMoveInput = {
  sourceArn: 'arn:dlq',
  destinationArn: 'arn:invites',
  sourceUrl: 'http://127.0.0.1/dlq',
  destinationUrl: 'http://127.0.0.1/invites',
};

describe('FallbackMessageMover', () => {
  it('uses move tasks where the endpoint has them', async () => {
    const primary = new RecordingMover({ supported: true, inProcess: false });
    const fallback = new RecordingMover({ supported: true, inProcess: true });
    const mover = new FallbackMessageMover(primary, fallback);

    await mover.list('arn:dlq');
    await mover.start(INPUT);

    assert.deepEqual(primary.calls, ['list', 'start']);
    assert.deepEqual(fallback.calls, []);
    assert.equal(mover.inProcess, false);
  });

  it('switches to the fallback for good once the endpoint says it has no move tasks', async () => {
    const primary = new RecordingMover({ supported: false, inProcess: false });
    const fallback = new RecordingMover({ supported: true, inProcess: true });
    const mover = new FallbackMessageMover(primary, fallback);

    await mover.list('arn:dlq');
    await mover.start(INPUT);
    await mover.cancel('handle');

    assert.deepEqual(primary.calls, ['list']);
    assert.deepEqual(fallback.calls, ['list', 'start', 'cancel']);
    assert.equal(mover.inProcess, true);
  });

  it('lets other errors through', async () => {
    const failing: MessageMover = {
      start: async () => 'x',
      list: async () => {
        throw new Error('AccessDenied');
      },
      cancel: async () => undefined,
    };
    const mover = new FallbackMessageMover(
      failing,
      new RecordingMover({ supported: true, inProcess: true }),
    );

    await assert.rejects(mover.list('arn:dlq'), /AccessDenied/);
  });
});

import { MessageMoveUnsupportedError } from './errors.ts';
import type { MessageMover, MoveTask, StartMoveInput } from './message-mover.ts';

/**
 * SQS's message move tasks where the endpoint has them; where it answers that it does not
 * (fauxqs, the local stack), the fallback mover from then on.
 */
export class FallbackMessageMover implements MessageMover {
  readonly #primary: MessageMover;
  readonly #fallback: MessageMover;
  #unsupported = false;

  constructor(primary: MessageMover, fallback: MessageMover) {
    this.#primary = primary;
    this.#fallback = fallback;
  }

  get inProcess(): boolean {
    return this.#unsupported ? this.#fallback.inProcess === true : this.#primary.inProcess === true;
  }

  start(input: StartMoveInput): Promise<string> {
    return this.#either((mover) => mover.start(input));
  }

  list(sourceArn: string): Promise<MoveTask[]> {
    return this.#either((mover) => mover.list(sourceArn));
  }

  cancel(taskHandle: string): Promise<number | undefined> {
    return this.#either((mover) => mover.cancel(taskHandle));
  }

  async #either<T>(call: (mover: MessageMover) => Promise<T>): Promise<T> {
    if (!this.#unsupported) {
      try {
        return await call(this.#primary);
      } catch (error) {
        if (!(error instanceof MessageMoveUnsupportedError)) throw error;
        this.#unsupported = true;
      }
    }
    return call(this.#fallback);
  }
}

import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** One request on a connection and the answer the gateway owes it. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  /** Aborts when the connection is refused before this request was read: it gets no answer of its own. */
  abandoned: AbortSignal;
}

export interface ConnectionTrackerOptions {
  /** How long a refused connection keeps reading what the client still sends before it is cut. */
  lingerMs: number;
  /** The longest an owed answer may take (the integration's timeout); a refusal waits no longer. */
  answerWithinMs: number;
}

interface Tracked {
  exchange: Exchange;
  abandon: AbortController;
  answered: Promise<void>;
}

/** The raw answer for a connection the HTTP parser gave up on, shaped like API Gateway's errors. */
function refusal(statusCode: number): string {
  const reason = STATUS_CODES[statusCode] ?? 'Error';
  const body = JSON.stringify({ message: reason });
  return [
    `HTTP/1.1 ${statusCode} ${reason}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

function ignore() {}

/**
 * Follows the requests each connection carries, so that a connection refused for what follows
 * them (garbage, a timeout, `CONNECT`) is closed only after each request already read has its
 * own answer.
 */
export class ConnectionTracker {
  readonly #options: ConnectionTrackerOptions;
  readonly #exchanges = new WeakMap<Duplex, Set<Tracked>>();
  readonly #refused = new WeakSet<Duplex>();
  readonly #lingering = new Set<Duplex>();

  constructor(options: ConnectionTrackerOptions) {
    this.#options = options;
  }

  /** Records a request the server has started to handle. */
  begin(request: IncomingMessage, response: ServerResponse): Exchange {
    const socket = request.socket;
    let exchanges = this.#exchanges.get(socket);
    if (!exchanges) {
      exchanges = new Set();
      this.#exchanges.set(socket, exchanges);
    }
    const abandon = new AbortController();
    const tracked: Tracked = {
      exchange: { request, response, abandoned: abandon.signal },
      abandon,
      answered: new Promise((resolve) => response.once('close', resolve)),
    };
    exchanges.add(tracked);
    response.once('close', () => exchanges.delete(tracked));
    return tracked.exchange;
  }

  /**
   * Answers `statusCode` on the connection once every request read in full (or already being
   * answered) has its answer, then closes it; requests still being read are abandoned.
   */
  refuse(socket: Duplex, statusCode: number): void {
    if (this.#refused.has(socket)) return;
    this.#refused.add(socket);
    // Past a refusal nothing reads the socket's errors: a client reset must not crash the process.
    socket.on('error', ignore);
    const owed: Tracked[] = [];
    for (const tracked of this.#exchanges.get(socket) ?? []) {
      const { request, response } = tracked.exchange;
      if (request.complete || response.headersSent) owed.push(tracked);
      else tracked.abandon.abort(new Error(`connection refused with ${statusCode}`));
    }
    void this.#answerThenClose(socket, statusCode, owed);
  }

  /** Cuts every refused connection that has had its answers and is only lingering. */
  closeLingering(): void {
    for (const socket of this.#lingering) socket.destroy();
  }

  async #answered(owed: Tracked[]): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      Promise.all(owed.map((tracked) => tracked.answered)).then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), this.#options.answerWithinMs);
      }),
    ]);
    clearTimeout(timer);
    return inTime;
  }

  async #answerThenClose(socket: Duplex, statusCode: number, owed: Tracked[]) {
    // With nothing owed the refusal goes out at once, before a FIN that may follow ends the socket.
    const answered = owed.length === 0 || (await this.#answered(owed));
    if (!answered || !socket.writable) {
      socket.destroy();
      return;
    }
    socket.end(refusal(statusCode));
    // Closing with unread data would reset the connection, and a reset can discard the
    // refusal before the client reads it: drain until the client closes (the socket then
    // destroys itself) or the linger ends.
    socket.resume();
    this.#lingering.add(socket);
    const linger = setTimeout(() => socket.destroy(), this.#options.lingerMs);
    socket.once('close', () => {
      clearTimeout(linger);
      this.#lingering.delete(socket);
    });
  }
}

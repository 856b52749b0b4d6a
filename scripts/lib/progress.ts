/** Where a command writes: a stream, or a test's recorder. */
export interface ScriptOutput {
  write(text: string): unknown;
  /** A terminal gets one redrawn status line instead of a line per event. */
  isTTY?: boolean;
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US');

/** `12000` as `12,000`. */
export function formatCount(value: number): string {
  return COUNT_FORMAT.format(value);
}

/** A bar of `width` cells, `#` for the share done: `[#####.....]`. */
export function formatBar(done: number, total: number, width = 30): string {
  const share = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.floor(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

export interface InviteProgressState {
  doneIds: number;
  totalIds: number;
  doneRequests: number;
  totalRequests: number;
  failedRequests: number;
}

/** `[#####.....] 12,000/50,000 IDs  3/10 requests`, and the failures when there are any. */
export function formatInviteProgress(state: InviteProgressState, width = 30): string {
  const failed = state.failedRequests > 0 ? `  ${formatCount(state.failedRequests)} failed` : '';
  return (
    `${formatBar(state.doneIds, state.totalIds, width)} ` +
    `${formatCount(state.doneIds)}/${formatCount(state.totalIds)} IDs  ` +
    `${formatCount(state.doneRequests)}/${formatCount(state.totalRequests)} requests${failed}`
  );
}

/** `1.5 s`, `250 ms`. */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

const CLEAR_LINE = '\r\x1b[2K';

/** Off a terminal, the least time between two progress lines (or since the last line logged). */
export const PLAIN_STATUS_INTERVAL_MS = 10_000;
/** Off a terminal, an unchanged status is printed again after this long without output. */
export const PLAIN_STATUS_HEARTBEAT_MS = 60_000;

export interface StatusDisplayOptions {
  /** Milliseconds since some fixed point; `Date.now` by default. */
  now?: () => number;
  /** Off a terminal, the status is printed after this long without output. */
  intervalMs?: number;
  /** Off a terminal, an unchanged status is printed again after this long without output. */
  heartbeatMs?: number;
}

/**
 * A status line and a log on one output. On a terminal the status is one line redrawn in
 * place, and logged lines are written above it. Elsewhere (a pipe, a CI log) the status is
 * printed as a plain line when it changed and nothing was written for `intervalMs`, and again
 * unchanged after `heartbeatMs` of silence, so that a CI log shows a long wait is still alive.
 */
export class StatusDisplay {
  readonly tty: boolean;
  readonly #out: ScriptOutput;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #heartbeatMs: number;
  #status = '';
  #lastPrinted = '';
  #lastWriteAt: number;

  constructor(out: ScriptOutput, options: StatusDisplayOptions = {}) {
    this.#out = out;
    this.tty = out.isTTY === true;
    this.#now = options.now ?? Date.now;
    this.#intervalMs = options.intervalMs ?? PLAIN_STATUS_INTERVAL_MS;
    this.#heartbeatMs = options.heartbeatMs ?? PLAIN_STATUS_HEARTBEAT_MS;
    this.#lastWriteAt = this.#now();
  }

  /** Redraws the status line on a terminal; elsewhere prints it now and then. */
  status(line: string): void {
    if (this.tty) {
      this.#status = line;
      this.#out.write(`${CLEAR_LINE}${line}`);
      return;
    }
    const now = this.#now();
    const quiet = now - this.#lastWriteAt;
    if (quiet < (line === this.#lastPrinted ? this.#heartbeatMs : this.#intervalMs)) return;
    this.#lastPrinted = line;
    this.#lastWriteAt = now;
    this.#out.write(`${line}\n`);
  }

  /** Writes a line, above the status line on a terminal. */
  log(line: string): void {
    if (this.tty && this.#status !== '') {
      this.#out.write(`${CLEAR_LINE}${line}\n${this.#status}`);
    } else {
      this.#out.write(`${line}\n`);
    }
    this.#lastWriteAt = this.#now();
  }

  /** Leaves the last status on screen and moves past it. */
  end(): void {
    if (this.tty && this.#status !== '') this.#out.write('\n');
    this.#status = '';
  }
}

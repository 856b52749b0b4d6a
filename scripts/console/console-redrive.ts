import type { MessageMover, MoveTask, QueueDirectory } from '../lib/message-mover.ts';
import { type RedriveOutcome, runRedrive } from '../lib/run-redrive.ts';

/** Where the console's redrive stands. */
export interface RedriveState {
  running: boolean;
  startedAt?: number;
  /** The move task as last checked. */
  task?: MoveTask;
  outcome?: RedriveOutcome;
  /** What `npm run redrive` would have printed: queue names and counts, nothing else. */
  lines: string[];
  error?: string;
}

export interface ConsoleRedriveOptions {
  queues: QueueDirectory;
  mover: MessageMover;
  queueUrls: () => Promise<{ deadLetter: string; invites: string }>;
  pollIntervalMs?: number;
  now?: () => number;
}

function lineSink(lines: string[]) {
  let partial = '';
  return {
    write(text: string) {
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      lines.push(...parts.filter((line) => line.trim() !== ''));
    },
  };
}

/**
 * The console's redrive button: `runRedrive`, as `npm run redrive` runs it, in the background,
 * one at a time, with its progress kept for the page to show.
 */
export class ConsoleRedrive {
  readonly #options: ConsoleRedriveOptions;
  #state: RedriveState = { running: false, lines: [] };
  #done: Promise<void> = Promise.resolve();
  #interrupt = new AbortController();

  constructor(options: ConsoleRedriveOptions) {
    this.#options = options;
  }

  state(): RedriveState {
    return { ...this.#state, lines: [...this.#state.lines] };
  }

  /** Starts a redrive; false when one is running already. */
  start(): boolean {
    if (this.#state.running) return false;
    const lines: string[] = [];
    const sink = lineSink(lines);
    const now = this.#options.now ?? Date.now;
    const state: RedriveState = { running: true, startedAt: now(), lines };
    this.#state = state;
    const interrupt = new AbortController();
    this.#interrupt = interrupt;
    this.#done = (async () => {
      try {
        const urls = await this.#options.queueUrls();
        const result = await runRedrive(
          {
            dlqUrl: urls.deadLetter,
            queueUrl: urls.invites,
            pollIntervalMs: this.#options.pollIntervalMs ?? 1_000,
          },
          {
            queues: this.#options.queues,
            mover: this.#options.mover,
            stdout: sink,
            stderr: sink,
            signal: interrupt.signal,
            onProgress: (task) => {
              state.task = task;
            },
          },
        );
        state.outcome = result.outcome;
        if (result.task) state.task = result.task;
      } catch (error) {
        state.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      } finally {
        state.running = false;
      }
    })();
    return true;
  }

  /** Resolves when the redrive under way, if any, has ended. */
  settled(): Promise<void> {
    return this.#done;
  }

  /**
   * Interrupts the redrive under way, as Ctrl-C interrupts `npm run redrive`, and resolves once
   * it has ended. Moving in this process, it finishes the messages in hand (sent and deleted) and
   * leaves the rest in the dead-letter queue; an SQS move task runs on without being watched.
   */
  async stop(): Promise<RedriveState> {
    this.#interrupt.abort();
    await this.#done;
    return this.state();
  }
}

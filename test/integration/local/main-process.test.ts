import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout } from 'node:timers/promises';
import { tempStateDir } from '../../helpers/local-stack.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

interface StackRun {
  /** Settles once the banner says the stack is up; rejects if the process ends first. */
  up: Promise<void>;
  /** The first line of output, written so far or later, that matches `pattern`. */
  line(pattern: RegExp): Promise<string>;
  /** Resolves once the process has ended and its output is read. */
  ended: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every line written to stdout or stderr so far. */
  lines: string[];
  pid: number;
}

/**
 * Runs the local stack as `command args` from the repository root on free ports with a state
 * directory of its own; `detached` gives it a process group, as a terminal's job has.
 */
function runStack(
  t: TestContext,
  command: string,
  args: string[],
  options: { detached?: boolean; env?: Record<string, string> } = {},
): StackRun {
  const detached = options.detached ?? false;
  const state = tempStateDir();
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: '0',
    LOCAL_SQS_PORT: '0',
    LOCAL_REPOSTSPACE_PORT: '0',
    LOCAL_DYNAMODB_PORT: '0',
    LOCAL_STATE_DIR: state.path,
    LOCAL_SUMMARY_SECONDS: '3600',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    npm_config_update_notifier: 'false',
  };
  for (const name of ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SQS', 'AWS_ENDPOINT_URL_REPOSTSPACE']) {
    delete env[name];
  }
  Object.assign(env, options.env);
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    detached,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const written = new EventEmitter();
  const up = Promise.withResolvers<void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      written.emit('line', line);
      if (line.includes('local stack is up')) up.resolve();
    });
  }
  function line(pattern: RegExp): Promise<string> {
    const found = lines.find((written) => pattern.test(written));
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => {
      written.on('line', function match(next: string) {
        if (!pattern.test(next)) return;
        written.off('line', match);
        resolve(next);
      });
    });
  }
  if (detached) {
    // Whatever is left in the group once its leader exits is an orphan: end it, so a failing
    // run reports at once instead of waiting on the pipes the orphan holds.
    child.on('exit', () => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // The group is empty: nothing was left behind.
      }
    });
  }
  const ended = once(child, 'close').then(([code, signal]) => {
    up.reject(new Error(`the stack ended before it was up:\n${lines.join('\n')}`));
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    state.cleanup();
  });
  return { up: up.promise, line, ended, lines, pid: child.pid as number };
}

/** Asserts a clean stop: exit 0, and the final status after the draining message. */
function assertStoppedCleanly(
  run: StackRun,
  ended: { code: number | null; signal: NodeJS.Signals | null },
  signal: string,
) {
  const output = run.lines.join('\n');
  assert.deepEqual(ended, { code: 0, signal: null }, output);
  const draining = run.lines.indexOf(
    `${signal}: finishing in-flight work… (a second ${signal} stops at once)`,
  );
  const status = run.lines.findLastIndex((line) => line.startsWith('status    '));
  const stopped = run.lines.indexOf('stopped; state kept for the next start');
  assert.ok(draining !== -1 && draining < status && status < stopped, output);
  assert.match(run.lines[status] ?? '', /\| in flight 0 \|/);
}

/** npm as `npm test` runs it, else the one on the PATH. */
function npm(): { command: string; args: string[] } {
  const cli = process.env.npm_execpath;
  return cli?.endsWith('.js')
    ? { command: process.execPath, args: [cli] }
    : { command: 'npm', args: [] };
}

describe('the local stack as a process, stopped by a signal', { timeout: 60_000 }, () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`exits 0 on ${signal}, printing the final status after draining`, async (t) => {
      const run = runStack(t, process.execPath, ['infra/local/main.ts']);
      await run.up;

      process.kill(run.pid, signal);
      const ended = await run.ended;

      assertStoppedCleanly(run, ended, signal);
    });
  }

  /**
   * The stack as a process, its SendInvites endpoint holding every call until `answer` resolves
   * (never, without one), once a request has been accepted and its call is in flight.
   */
  async function stackWithCallInFlight(t: TestContext, answer?: Promise<void>) {
    const called = Promise.withResolvers<void>();
    const repostspace = createServer((request, response) => {
      request.resume();
      called.resolve();
      answer?.then(() => response.writeHead(200).end());
    });
    repostspace.listen(0, '127.0.0.1');
    await once(repostspace, 'listening');
    t.after(() => {
      repostspace.closeAllConnections();
      repostspace.close();
    });
    const { port } = repostspace.address() as AddressInfo;
    const run = runStack(t, process.execPath, ['infra/local/main.ts'], {
      env: { AWS_ENDPOINT_URL_REPOSTSPACE: `http://127.0.0.1:${port}` },
    });
    await run.up;
    const route = /POST (\S+\/invite)$/.exec(await run.line(/^ {2}HTTP API/))?.[1] ?? '';
    const accepted = await fetch(route, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accessorIds: ['alice@example.com'], title: 'Hi', body: 'Join' }),
    });
    assert.equal(accepted.status, 202);
    await called.promise;
    return run;
  }

  it('counts the final status once the invocation running at the signal has settled', async (t) => {
    const answer = Promise.withResolvers<void>();
    const run = await stackWithCallInFlight(t, answer.promise);

    process.kill(run.pid, 'SIGINT');
    await run.line(/^SIGINT: finishing in-flight work/);
    answer.resolve();
    const ended = await run.ended;

    assertStoppedCleanly(run, ended, 'SIGINT');
    assert.match(
      run.lines.findLast((line) => line.startsWith('status')) ?? '',
      /queued 0 \| in flight 0/,
    );
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`stops at once on a second ${signal} while an invocation holds the drain (exit ${code})`, async (t) => {
      const run = await stackWithCallInFlight(t);

      process.kill(run.pid, signal);
      await run.line(new RegExp(`^${signal}: finishing in-flight work`));
      // One at once is taken for the same Ctrl-C (npm passes it on); one a second later is not.
      let exited = false;
      void run.ended.then(() => {
        exited = true;
      });
      process.kill(run.pid, signal);
      await setTimeout(1_100);
      assert.equal(exited, false, 'a signal at once is the same Ctrl-C');
      process.kill(run.pid, signal);
      const ended = await run.ended;

      assert.deepEqual(ended, { code, signal: null }, run.lines.join('\n'));
      assert.equal(run.lines.filter((line) => line.startsWith(`${signal} again`)).length, 1);
      assert.ok(
        run.lines.includes(
          `${signal} again: stopping at once; work in flight comes back on the next start`,
        ),
      );
    });
  }

  it('exits 0 through `npm start` on Ctrl-C, which signals the whole process group', async (t) => {
    const { command, args } = npm();
    const run = runStack(t, command, [...args, 'start'], { detached: true });
    await run.up;

    process.kill(-run.pid, 'SIGINT');
    const ended = await run.ended;

    assertStoppedCleanly(run, ended, 'SIGINT');
  });

  it('exits 0 through `npm start` on a SIGTERM sent to npm alone, after the stack stopped', async (t) => {
    const { command, args } = npm();
    const run = runStack(t, command, [...args, 'start'], { detached: true });
    await run.up;

    process.kill(run.pid, 'SIGTERM');
    const ended = await run.ended;

    assertStoppedCleanly(run, ended, 'SIGTERM');
  });
});

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  type RepostspaceSimulator,
  startRepostspaceSimulator,
} from '../../../infra/local/repostspace-simulator/index.ts';
import { tempStateDir } from '../../helpers/local-stack.ts';
import { freePort } from '../../helpers/ports.ts';
import { TEST_CREDENTIALS, TEST_REGION } from '../../helpers/sqs.ts';

const MAIN = new URL('../../../infra/local/main.ts', import.meta.url).pathname;
const SPACE = 'SPKILL000000000000000000';
const PARTS = 12;
const IDS_PER_PART = 1_000;
/** Slow enough that a batch of ten calls takes seconds: a kill lands in the middle of one. */
const THROTTLE = { ratePerSecond: 4, burst: 1, retryAfterSeconds: 1 };

interface StackProcess {
  child: ChildProcess;
  url: string;
  output(): string;
}

/** `npm start` as a child process; resolves once GET /health answers. */
async function startStackProcess(env: Record<string, string>): Promise<StackProcess> {
  const childEnv: Record<string, string | undefined> = { ...process.env, ...env };
  delete childEnv.AWS_ENDPOINT_URL_SQS;
  const child = spawn(process.execPath, [MAIN], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const url = `http://127.0.0.1:${env.PORT}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) break;
    const healthy = await fetch(`${url}/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) return { child, url, output: () => output };
    await delay(50);
  }
  child.kill('SIGKILL');
  throw new Error(`the stack did not become healthy:\n${output}`);
}

async function postInvite(url: string, ids: string[]) {
  const response = await fetch(`${url}/spaces/${SPACE}/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ accessorIds: ids, title: 'Welcome', body: 'Join our space' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Waits until every ID was invited at least once, by the simulator's count. */
async function deliveredAll(simulator: RepostspaceSimulator, ids: string[], signal: AbortSignal) {
  for (let round = 0; round < 1_000; round++) {
    const missing = ids.filter((id) => simulator.deliveries.count(SPACE, id) === 0).length;
    if (missing === 0) return;
    await simulator.waitForDeliveredAccessors(simulator.stats().deliveredAccessors + missing, {
      signal,
    });
  }
}

/** Messages in the stack's DLQ, found through its /health answer. */
async function deadLettered(stack: StackProcess): Promise<number> {
  const health = (await (await fetch(`${stack.url}/health`)).json()) as {
    sqsEndpoint: string;
    queues: { deadLetter: { url: string } };
  };
  const sqs = new SQSClient({
    endpoint: health.sqsEndpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
  });
  try {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: health.queues.deadLetter.url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes.ApproximateNumberOfMessages) +
      Number(Attributes.ApproximateNumberOfMessagesNotVisible)
    );
  } finally {
    sqs.destroy();
  }
}

function duplicatesOf(simulator: RepostspaceSimulator, ids: string[]): number {
  return ids.reduce((sum, id) => sum + Math.max(0, simulator.deliveries.count(SPACE, id) - 1), 0);
}

async function stopGracefully(stack: StackProcess): Promise<number | null> {
  const exited = once(stack.child, 'exit', { signal: AbortSignal.timeout(10_000) });
  stack.child.kill('SIGTERM');
  try {
    const [code] = (await exited) as [number | null];
    return code;
  } catch {
    stack.child.kill('SIGKILL');
    return Number.NaN;
  }
}

/**
 * Runs one interruption: a request of PARTS parts, `interrupt` once some are delivered, then a
 * restart on the same state, until every accessor is delivered.
 */
async function interrupted(
  label: string,
  interrupt: (stack: StackProcess) => Promise<{ code: number | null; ms: number }>,
) {
  const state = tempStateDir();
  // One simulator outlives both runs of the stack, as the real service would.
  const simulator = await startRepostspaceSimulator({ throttle: THROTTLE });
  const env = {
    PORT: String(await freePort()),
    LOCAL_SQS_PORT: String(await freePort()),
    LOCAL_REPOSTSPACE_PORT: '0',
    LOCAL_DYNAMODB_PORT: '0',
    LOCAL_STATE_DIR: state.path,
    AWS_ENDPOINT_URL_REPOSTSPACE: simulator.url,
    LOCAL_VISIBILITY_TIMEOUT: '2',
    // One worker taking one message at a time finishes each invocation well within the
    // 2 s visibility timeout, so the only repeats are those the interruption causes.
    LOCAL_WORKER_CONCURRENCY: '1',
    LOCAL_WORKER_BATCH_SIZE: '1',
    LOCAL_SUMMARY_SECONDS: '3600',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  };
  const ids = Array.from(
    { length: PARTS * IDS_PER_PART },
    (_, index) => `${label}-${index}@example.com`,
  );
  let second: StackProcess | undefined;
  try {
    const first = await startStackProcess(env);
    const accepted = await postInvite(first.url, ids);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    await simulator.waitForDeliveredAccessors(3 * IDS_PER_PART, {
      signal: AbortSignal.timeout(30_000),
    });
    const stopped = await interrupt(first);
    const deliveredBefore = simulator.stats().distinctAccessors;

    second = await startStackProcess(env);
    await deliveredAll(simulator, ids, AbortSignal.timeout(60_000));
    const parked = await deadLettered(second);
    const code = await stopGracefully(second);

    return {
      stopped,
      deliveredBefore,
      delivered: simulator.stats().distinctAccessors,
      duplicates: duplicatesOf(simulator, ids),
      deadLettered: parked,
      secondExit: code,
      total: ids.length,
    };
  } finally {
    if (second && second.child.exitCode === null) second.child.kill('SIGKILL');
    await simulator.stop();
    state.cleanup();
  }
}

describe('the local stack as a process, interrupted mid-delivery', () => {
  it('killed with SIGKILL mid-batch and restarted on the same state, delivers every accepted accessor', async (t) => {
    const outcome = await interrupted('kill', async (stack) => {
      const started = Date.now();
      const exited = once(stack.child, 'exit');
      stack.child.kill('SIGKILL');
      await exited;
      return { code: stack.child.exitCode, ms: Date.now() - started };
    });

    t.diagnostic(
      `SIGKILL: ${outcome.deliveredBefore} of ${outcome.total} delivered before the kill; after the restart delivered ${outcome.delivered}, duplicates ${outcome.duplicates}, dead-lettered ${outcome.deadLettered}`,
    );
    assert.ok(outcome.deliveredBefore < outcome.total, 'the kill landed mid-delivery');
    assert.equal(outcome.delivered, outcome.total);
    assert.equal(outcome.deadLettered, 0);
    assert.equal(outcome.secondExit, 0);
  });

  it('stopped with SIGTERM mid-flight, exits 0 within seconds and, restarted, delivers everything exactly once', async (t) => {
    const outcome = await interrupted('term', async (stack) => {
      const started = Date.now();
      const code = await stopGracefully(stack);
      return { code, ms: Date.now() - started };
    });

    t.diagnostic(
      `SIGTERM: exit ${outcome.stopped.code} after ${outcome.stopped.ms} ms, ${outcome.deliveredBefore} of ${outcome.total} delivered before; after the restart delivered ${outcome.delivered}, duplicates ${outcome.duplicates}, dead-lettered ${outcome.deadLettered}`,
    );
    assert.equal(outcome.stopped.code, 0);
    assert.equal(outcome.deadLettered, 0);
    assert.ok(outcome.stopped.ms < 5_000, `took ${outcome.stopped.ms} ms to stop`);
    assert.ok(outcome.deliveredBefore < outcome.total, 'the stop landed mid-delivery');
    assert.equal(outcome.delivered, outcome.total);
    assert.equal(outcome.duplicates, 0);
    assert.equal(outcome.secondExit, 0);
  });
});

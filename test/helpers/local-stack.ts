import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLocalStackConfig } from '../../infra/local/local-config.ts';
import { type LocalStack, type StackEvents, startLocalStack } from '../../infra/local/stack.ts';

/** How long a test waits for deliveries before it fails, rather than hanging until CI's limit. */
export const DELIVERY_WAIT_MS = 120_000;

/** A fresh state directory for one test file, removed with `cleanup`. */
export function tempStateDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'invite-stack-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts the local stack in this process on free ports, as `npm start` would with `env`. */
export async function startTestStack(
  env: Record<string, string>,
  events: StackEvents = {},
): Promise<LocalStack> {
  const config = readLocalStackConfig({
    PORT: '0',
    LOCAL_SQS_PORT: '0',
    LOCAL_REPOSTSPACE_PORT: '0',
    LOCAL_DYNAMODB_PORT: '0',
    ...env,
  });
  return startLocalStack(config, events);
}

/**
 * What the stack has done so far: requests accepted, messages queued, in flight and
 * dead-lettered, and SendInvites calls the simulator answered. All 0 after input it refused.
 */
export async function stackActivity(stack: LocalStack) {
  const summary = await stack.summary();
  return {
    accepted: summary.acceptedRequests,
    queued: summary.queued,
    inFlight: summary.inFlight,
    deadLettered: summary.deadLettered,
    calls: stack.simulator?.stats().calls,
  };
}

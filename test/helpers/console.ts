import type { LocalStack } from '../../infra/local/stack.ts';
import type { ConsoleBackend } from '../../scripts/console/console-backend.ts';
import { createLocalBackend } from '../../scripts/console/local-target.ts';
import { type ConsoleServer, startConsoleServer } from '../../scripts/console/server.ts';
import { startTestStack, tempStateDir } from './local-stack.ts';

/** A space the test stack's simulator knows; every other space answers 404 until told. */
export const KNOWN_SPACE = 'SPCONSOLEKNOWN0000000000';
export const UNKNOWN_SPACE = 'SPCONSOLEUNKNOWN00000000';
export const INVITE_TEXT = { title: 'Console test title', body: 'Console test body' } as const;

export interface ConsoleContext {
  stack: LocalStack;
  server: ConsoleServer;
  backend: ConsoleBackend;
  /** Every line the console's server logged. */
  logs: string[];
  /** Posts an invite request to the stack's API; resolves to its request ID. */
  invite(spaceId: string, accessorIds: readonly string[]): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The local stack in this process on free ports, and the console pointed at it as `npm run
 * console` would be with the stack's settings, its server on a free port.
 */
export async function startConsoleContext(
  env: Record<string, string> = {},
): Promise<ConsoleContext> {
  const state = tempStateDir();
  const stack = await startTestStack({
    LOCAL_STATE_DIR: state.path,
    LOCAL_KNOWN_SPACE_IDS: KNOWN_SPACE,
    ...env,
  });
  const backend = createLocalBackend(
    {
      kind: 'local',
      apiUrl: stack.httpUrl,
      sqsEndpoint: stack.sqsEndpoint,
      dynamodbEndpoint: stack.dynamodbEndpoint,
      region: 'us-east-1',
    },
    {},
  );
  const logs: string[] = [];
  const server = await startConsoleServer({ port: 0, backend, log: (line) => logs.push(line) });
  return {
    stack,
    server,
    backend,
    logs,
    async invite(spaceId, accessorIds) {
      const response = await fetch(`${stack.httpUrl}/spaces/${spaceId}/invite`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ accessorIds, ...INVITE_TEXT }),
      });
      if (response.status !== 202) throw new Error(`invite answered ${response.status}`);
      return ((await response.json()) as { requestId: string }).requestId;
    },
    async stop() {
      await server.close();
      await backend.redrive.settled();
      await backend.close();
      await stack.stop();
      state.cleanup();
    },
  };
}

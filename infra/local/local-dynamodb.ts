import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { browserRefusal } from './browser-guard.ts';
import type { TableDefinition } from './definitions.ts';

export interface LocalDynamoDb {
  url: string;
  port: number;
  /** Closes the server and its LevelDB store. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite, a DynamoDB-compatible server, on loopback; its tables live in LevelDB files
 * under `path` (in memory without one), so they survive a restart.
 */
export async function startLocalDynamoDb(options: {
  port: number;
  path?: string;
}): Promise<LocalDynamoDb> {
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  // dynalite checks no signature and answers every origin's CORS requests: without this, any
  // page open in a browser could read and change the ledger.
  const [handle] = server.listeners('request') as ((...args: unknown[]) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const refused = browserRefusal(request.headers);
    if (refused === undefined) return handle?.(request, response);
    response.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end(refused);
  });
  server.listen(options.port, '127.0.0.1');
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => Promise.reject(error)),
  ]);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    // Requests in flight finish first: dynalite answers them from a database it then closes.
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/** Creates the ledger table as `infra/ledger.yml` declares it, unless it is there already. */
export async function ensureTable(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: table.name }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  await client.send(
    new CreateTableCommand({
      TableName: table.name,
      AttributeDefinitions: table.attributes,
      KeySchema: table.keySchema,
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

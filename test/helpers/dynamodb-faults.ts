import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { type ProxyAction, type ProxyAnswer, startFaultProxy } from './fault-proxy.ts';
import { TEST_CREDENTIALS, TEST_REGION } from './sqs.ts';

/** An error answer as DynamoDB sends it: the status, and the type and message in the body. */
export function dynamoDbError(type: string, message: string, status = 400): ProxyAnswer {
  return { status, body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message } };
}

/** A refusal of a single attempt: nothing was written. */
export const THROTTLED = dynamoDbError('ThrottlingException', 'Rate exceeded');

export interface FaultyDynamoDb {
  client: DynamoDBClient;
  /** The requests for `operation` sent so far, the SDK's retries included. */
  sent(operation: string): number;
  /** Destroys the client and stops its proxy. */
  stop(): Promise<void>;
}

/** One request, as the script of `faultyDynamoDb` is given it. */
export interface DynamoDbCall {
  /** `UpdateItem`, `BatchWriteItem`… */
  operation: string;
  /** Its index among the requests for its operation, from 1. */
  index: number;
  input: Record<string, unknown>;
}

/**
 * A DynamoDB client of `attempts` attempts (the SDK's own retries, as in the functions) on
 * dynalite at `endpoint`, through a fault proxy that does with each request what `script` says.
 */
export async function faultyDynamoDb(
  endpoint: string,
  attempts: number,
  script: (call: DynamoDbCall) => ProxyAction,
): Promise<FaultyDynamoDb> {
  const sent = new Map<string, number>();
  const proxy = await startFaultProxy(endpoint, (request) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.slice(target.indexOf('.') + 1);
    const index = (sent.get(operation) ?? 0) + 1;
    sent.set(operation, index);
    const input = JSON.parse(request.body.toString('utf8')) as Record<string, unknown>;
    return script({ operation, index, input });
  });
  const client = createDynamoDbClient({
    endpoint: proxy.endpoint,
    region: TEST_REGION,
    credentials: TEST_CREDENTIALS,
    timeouts: { requestTimeoutMs: 5_000, maxAttempts: attempts },
  });
  return {
    client,
    sent: (operation) => sent.get(operation) ?? 0,
    async stop() {
      client.destroy();
      await proxy.stop();
    },
  };
}

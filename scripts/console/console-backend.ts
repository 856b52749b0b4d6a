import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RequestSigner } from '../lib/sign-request.ts';
import { createSqsMover } from '../lib/sqs-message-mover.ts';
import { SqsQueueDirectory } from '../lib/sqs-queue-directory.ts';
import { ConsoleRedrive } from './console-redrive.ts';
import { LedgerRequestList } from './ledger-request-list.ts';
import type { RateSource } from './rate-view.ts';
import { type DeadLetterSnapshot, peekDeadLetters } from './sqs-dead-letter-reader.ts';
import { StatusApiClient } from './status-api-client.ts';

/** Everything the pages read and do, wherever the console points. */
export interface ConsoleBackend {
  /** Where the console points, as the page header says it. */
  label: string;
  /** Whether that is the local stack `npm start` runs. */
  local: boolean;
  requests: LedgerRequestList;
  api: StatusApiClient;
  deadLetters(): Promise<DeadLetterSnapshot>;
  redrive: ConsoleRedrive;
  rate: RateSource;
  /** Stops a redrive under way (see `ConsoleRedrive.stop`), then closes the clients. */
  close(): Promise<void>;
}

export interface BackendParts {
  label: string;
  local: boolean;
  apiUrl: string;
  sign: RequestSigner;
  sqs: SQSClient;
  dynamodb: DynamoDBClient;
  tableName: string;
  /** The queues' URLs; looked up once, on first use, where they are not known up front. */
  queueUrls: () => Promise<{ deadLetter: string; invites: string }>;
  rate: RateSource;
  /** Clients of the target's own to close with the rest. */
  close?: () => void;
}

/** The pages' backend from a target's clients and names. */
export function createConsoleBackend(parts: BackendParts): ConsoleBackend {
  let urls: Promise<{ deadLetter: string; invites: string }> | undefined;
  const queueUrls = () => {
    urls ??= parts.queueUrls().catch((error: unknown) => {
      urls = undefined;
      throw error;
    });
    return urls;
  };
  const redrive = new ConsoleRedrive({
    queues: new SqsQueueDirectory(parts.sqs),
    mover: createSqsMover(parts.sqs),
    queueUrls,
  });
  return {
    label: parts.label,
    local: parts.local,
    requests: new LedgerRequestList({ client: parts.dynamodb, tableName: parts.tableName }),
    api: new StatusApiClient({ baseUrl: parts.apiUrl, sign: parts.sign }),
    deadLetters: async () => peekDeadLetters(parts.sqs, (await queueUrls()).deadLetter),
    redrive,
    rate: parts.rate,
    async close() {
      await redrive.stop();
      parts.sqs.destroy();
      parts.dynamodb.destroy();
      parts.close?.();
    },
  };
}

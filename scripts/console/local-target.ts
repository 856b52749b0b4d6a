import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { loadStackDefinitions } from '../../infra/local/definitions.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { scriptClientOptions } from '../lib/script-sqs-client.ts';
import { createSigV4Signer, sendUnsigned, shouldSign } from '../lib/sign-request.ts';
import { SqsQueueDirectory } from '../lib/sqs-queue-directory.ts';
import { type ConsoleBackend, createConsoleBackend } from './console-backend.ts';
import type { LocalTarget } from './console-config.ts';
import { localRateSource } from './local-rate-source.ts';

const SERVERLESS_YML = new URL('../../serverless.yml', import.meta.url).pathname;

/**
 * The backend for the local stack: the table and queue names `serverless.yml` gives the `local`
 * stage (the queues' URLs asked of SQS), loopback endpoints with dummy credentials when the
 * environment names none, requests to the API unsigned unless it names some.
 */
export function createLocalBackend(target: LocalTarget, env: Environment): ConsoleBackend {
  const definitions = loadStackDefinitions(SERVERLESS_YML, { region: target.region });
  const sqs = createSqsClient(scriptClientOptions(env, target.sqsEndpoint, target.region));
  const dynamodb = createDynamoDbClient(
    scriptClientOptions(env, target.dynamodbEndpoint, target.region),
  );
  const directory = new SqsQueueDirectory(sqs);
  const apiUrl = new URL(target.apiUrl);
  const sign = shouldSign(undefined, apiUrl, env)
    ? createSigV4Signer({ region: target.region, credentials: defaultProvider() })
    : sendUnsigned;
  return createConsoleBackend({
    label: `local stack at ${target.apiUrl}`,
    local: true,
    apiUrl: target.apiUrl,
    sign,
    sqs,
    dynamodb,
    tableName: definitions.ledger.name,
    queueUrls: async () => ({
      deadLetter: await directory.urlOf(definitions.queues.deadLetter.name),
      invites: await directory.urlOf(definitions.queues.invites.name),
    }),
    rate: localRateSource(target.apiUrl),
  });
}

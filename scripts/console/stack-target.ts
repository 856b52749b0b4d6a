import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { clientConfig } from '../../shared/adapters/aws-client-options.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { configuredRegion } from '../../shared/config/aws-config.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { requireRegion, SCRIPT_CLIENT_TIMEOUTS } from '../lib/script-sqs-client.ts';
import { createSigV4Signer, resolveSigningRegion } from '../lib/sign-request.ts';
import { readStackOutputs } from '../lib/stack-outputs.ts';
import { cloudWatchRateSource } from './cloudwatch-rate-source.ts';
import { type ConsoleBackend, createConsoleBackend } from './console-backend.ts';
import type { StackTarget } from './console-config.ts';

/** The stack outputs the console needs: osls adds `HttpApiUrl`, `infra/*.yml` the rest. */
export const REQUIRED_OUTPUTS = [
  'HttpApiUrl',
  'InvitesQueueUrl',
  'DeadLetterQueueUrl',
  'LedgerTableName',
] as const;

/**
 * The backend for a deployed stack: its outputs from CloudFormation, every call made with the
 * operator's own credentials from the default chain, the API's signed with SigV4. Throws
 * `UsageError` when no region is found, `StackNotUsableError` for a stack it cannot use.
 */
export async function createStackBackend(
  target: StackTarget,
  env: Environment,
): Promise<ConsoleBackend> {
  const askedRegion = target.region ?? configuredRegion(env);
  const cloudFormation = new CloudFormationClient(askedRegion ? { region: askedRegion } : {});
  const region = await requireRegion(cloudFormation, 'CloudFormation');
  try {
    const outputs = await readStackOutputs(cloudFormation, target.stackName, REQUIRED_OUTPUTS);
    const credentials = defaultProvider();
    const apiRegion = resolveSigningRegion(undefined, new URL(outputs.HttpApiUrl), env) ?? region;
    const timeouts = SCRIPT_CLIENT_TIMEOUTS;
    const cloudWatch = new CloudWatchClient(clientConfig({ region, credentials, timeouts }));
    return createConsoleBackend({
      label: `stack ${target.stackName} in ${region}`,
      local: false,
      apiUrl: outputs.HttpApiUrl,
      sign: createSigV4Signer({ region: apiRegion, credentials }),
      sqs: createSqsClient({ region, credentials, timeouts }),
      dynamodb: createDynamoDbClient({ region, credentials, timeouts }),
      tableName: outputs.LedgerTableName,
      queueUrls: async () => ({
        deadLetter: outputs.DeadLetterQueueUrl,
        invites: outputs.InvitesQueueUrl,
      }),
      rate: cloudWatchRateSource(cloudWatch, target.service),
      close: () => cloudWatch.destroy(),
    });
  } finally {
    cloudFormation.destroy();
  }
}

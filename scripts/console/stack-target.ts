import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { configuredRegion } from '../../shared/config/aws-config.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { requireRegion } from '../lib/script-sqs-client.ts';
import { createSigV4Signer, resolveSigningRegion } from '../lib/sign-request.ts';
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

type Outputs = Record<(typeof REQUIRED_OUTPUTS)[number], string>;

/** The stack has no such name in the region, or lacks an output the console needs. */
export class StackNotUsableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StackNotUsableError';
  }
}

/** The outputs the console needs. Throws `StackNotUsableError`. */
export async function readStackOutputs(
  client: CloudFormationClient,
  stackName: string,
): Promise<Outputs> {
  let outputs: { OutputKey?: string; OutputValue?: string }[];
  try {
    const { Stacks = [] } = await client.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Stacks[0]?.Outputs ?? [];
  } catch (error) {
    if ((error as Error).name === 'ValidationError') {
      throw new StackNotUsableError(`Stack ${stackName} does not exist (check --region)`, {
        cause: error,
      });
    }
    throw error;
  }
  const found = Object.fromEntries(
    outputs.map((output) => [output.OutputKey ?? '', output.OutputValue ?? '']),
  );
  const missing = REQUIRED_OUTPUTS.filter((key) => !found[key]);
  if (missing.length > 0) {
    throw new StackNotUsableError(
      `Stack ${stackName} has no output ${missing.join(', ')}; is it a repost-invite-pipeline stack?`,
    );
  }
  return found as Outputs;
}

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
    const outputs = await readStackOutputs(cloudFormation, target.stackName);
    const credentials = defaultProvider();
    const apiRegion = resolveSigningRegion(undefined, new URL(outputs.HttpApiUrl), env) ?? region;
    const cloudWatch = new CloudWatchClient({ region, credentials });
    return createConsoleBackend({
      label: `stack ${target.stackName} in ${region}`,
      apiUrl: outputs.HttpApiUrl,
      sign: createSigV4Signer({ region: apiRegion, credentials }),
      sqs: createSqsClient({ region, credentials }),
      dynamodb: createDynamoDbClient({ region, credentials }),
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

import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadStackDefinitions } from '../../infra/local/definitions.ts';
import { readLocalStackConfig } from '../../infra/local/local-config.ts';
import { clientConfig } from '../../shared/adapters/aws-client-options.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { configuredEndpoint, configuredRegion } from '../../shared/config/aws-config.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { stringOption } from './cli-args.ts';
import { UsageError } from './errors.ts';
import { requireRegion, SCRIPT_CLIENT_TIMEOUTS, scriptClientOptions } from './script-sqs-client.ts';
import { readStackOutputs } from './stack-outputs.ts';

const SERVERLESS_YML = new URL('../../serverless.yml', import.meta.url).pathname;

/** Which ledger table a command works on. */
export type LedgerTarget =
  /** A deployed stack: the table is its `LedgerTableName` output. */
  | { kind: 'stack'; stackName: string; region?: string }
  /** A table by name, at `AWS_ENDPOINT_URL_DYNAMODB` or in the region. */
  | { kind: 'table'; tableName: string; region?: string }
  /** The local stack `npm start` runs with this environment's settings. */
  | { kind: 'local' };

/** The options that name the ledger table (`ledgerTargetOf` reads them), for `parseOptions`. */
export const LEDGER_TARGET_OPTIONS = {
  stack: { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
} as const;

/** Their lines in a command's `--help`. */
export const LEDGER_TARGET_HELP = `  --stack <name>      A deployed stack (repost-invite-pipeline-<stage>); the table is its
                      LedgerTableName output
  --table <name>      The ledger table by name (AWS_ENDPOINT_URL_DYNAMODB names another endpoint)
  --region <region>   The table's region (default: AWS_REGION, then AWS_DEFAULT_REGION, then
                      the AWS config's profile)`;

/**
 * The table named by `--stack`, `--table` and `--region`, or the local stack's without them.
 * Throws `UsageError`.
 */
export function ledgerTargetOf(values: Record<string, string | boolean | undefined>): LedgerTarget {
  const stackName = stringOption(values, 'stack');
  const tableName = stringOption(values, 'table');
  const region = stringOption(values, 'region');
  const inRegion = region === undefined ? {} : { region };
  if (stackName !== undefined && tableName !== undefined) {
    throw new UsageError('Pass --stack or --table, not both');
  }
  if (stackName !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
      throw new UsageError(`--stack must be a CloudFormation stack name, got "${stackName}"`);
    }
    return { kind: 'stack', stackName, ...inRegion };
  }
  if (tableName !== undefined) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
      throw new UsageError(`--table must be a DynamoDB table name, got "${tableName}"`);
    }
    return { kind: 'table', tableName, ...inRegion };
  }
  if (region !== undefined) throw new UsageError('--region goes with --stack or --table');
  return { kind: 'local' };
}

export interface LedgerTable {
  client: DynamoDBClient;
  tableName: string;
  /** `table repost-invite-pipeline-dev-ledger in eu-west-1`, for messages. */
  label: string;
  local: boolean;
}

/**
 * A DynamoDB client and the table name for a target. Throws `UsageError` without a region or
 * with invalid local settings, and `StackNotUsableError` for a stack without the output.
 */
export async function openLedgerTable(
  target: LedgerTarget,
  env: Environment,
): Promise<LedgerTable> {
  if (target.kind === 'local') {
    let local: ReturnType<typeof readLocalStackConfig>;
    try {
      local = readLocalStackConfig(env);
    } catch (error) {
      throw new UsageError((error as Error).message, { cause: error });
    }
    const endpoint = local.dynamodbEndpoint ?? `http://127.0.0.1:${local.dynamodbPort}`;
    const { ledger } = loadStackDefinitions(SERVERLESS_YML, { region: local.region });
    return {
      client: createDynamoDbClient(scriptClientOptions(env, endpoint, local.region)),
      tableName: ledger.name,
      label: `the local stack's table ${ledger.name} at ${endpoint}`,
      local: true,
    };
  }
  const endpoint = configuredEndpoint(env, 'DYNAMODB');
  const client = createDynamoDbClient(scriptClientOptions(env, endpoint, target.region));
  const region = await requireRegion(client, 'DynamoDB');
  if (target.kind === 'table') {
    return {
      client,
      tableName: target.tableName,
      label: `table ${target.tableName} ${endpoint ? `at ${endpoint}` : `in ${region}`}`,
      local: false,
    };
  }
  const cloudFormation = new CloudFormationClient(
    clientConfig({
      region: target.region ?? configuredRegion(env) ?? region,
      timeouts: SCRIPT_CLIENT_TIMEOUTS,
    }),
  );
  try {
    const { LedgerTableName } = await readStackOutputs(cloudFormation, target.stackName, [
      'LedgerTableName',
    ]);
    return {
      client,
      tableName: LedgerTableName,
      // An endpoint left set from local work would read another table than the stack's.
      label: `table ${LedgerTableName} of stack ${target.stackName} ${endpoint ? `at ${endpoint}` : `in ${region}`}`,
      local: false,
    };
  } catch (error) {
    client.destroy();
    throw error;
  } finally {
    cloudFormation.destroy();
  }
}

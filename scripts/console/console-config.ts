import { readLocalStackConfig } from '../../infra/local/local-config.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { parseOptions, stringOption } from '../lib/cli-args.ts';
import { UsageError } from '../lib/errors.ts';

export const CONSOLE_DEFAULT_PORT = 8080;

/** The local stack `npm start` runs, where the same settings say it listens. */
export interface LocalTarget {
  kind: 'local';
  apiUrl: string;
  sqsEndpoint: string;
  dynamodbEndpoint: string;
  region: string;
}

/** A deployed stack, found by its CloudFormation name. */
export interface StackTarget {
  kind: 'stack';
  stackName: string;
  region?: string;
  /** The service name: the `service` dimension of the metrics. */
  service: string;
}

export interface ConsoleConfig {
  port: number;
  target: LocalTarget | StackTarget;
}

const OPTIONS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  service: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * The console's settings: `CONSOLE_PORT`, and either `--stack` (a deployed stack) or the
 * local stack as `npm start` would run it with this environment (`PORT`, `LOCAL_SQS_PORT`,
 * `LOCAL_DYNAMODB_PORT`, the `AWS_ENDPOINT_URL_*` overrides). Throws `UsageError`.
 */
export function readConsoleConfig(
  argv: readonly string[],
  env: Environment,
): { help: true } | { help: false; config: ConsoleConfig } {
  const values = parseOptions(argv, OPTIONS);
  if (values.help === true) return { help: true };
  const rawPort = env.CONSOLE_PORT?.trim() || undefined;
  const port = rawPort === undefined ? CONSOLE_DEFAULT_PORT : Number(rawPort);
  if (rawPort !== undefined && (!/^\d{1,5}$/.test(rawPort) || port > 65_535)) {
    throw new UsageError(`CONSOLE_PORT must be a port number from 0 to 65535, got "${rawPort}"`);
  }
  const stackName = stringOption(values, 'stack');
  const region = stringOption(values, 'region');
  if (stackName !== undefined) {
    if (!/^[A-Za-z][A-Za-z0-9-]{0,127}$/.test(stackName)) {
      throw new UsageError(`--stack must be a CloudFormation stack name, got "${stackName}"`);
    }
    return {
      help: false,
      config: {
        port,
        target: {
          kind: 'stack',
          stackName,
          ...(region !== undefined ? { region } : {}),
          service: stringOption(values, 'service') ?? stackName,
        },
      },
    };
  }
  if (region !== undefined || values.service !== undefined) {
    throw new UsageError('--region and --service go with --stack');
  }
  let local: ReturnType<typeof readLocalStackConfig>;
  try {
    local = readLocalStackConfig(env);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  const loopback = (port: number) => `http://127.0.0.1:${port}`;
  return {
    help: false,
    config: {
      port,
      target: {
        kind: 'local',
        apiUrl: loopback(local.port),
        sqsEndpoint: local.sqsEndpoint ?? loopback(local.sqsPort),
        dynamodbEndpoint: local.dynamodbEndpoint ?? loopback(local.dynamodbPort),
        region: local.region,
      },
    },
  };
}

import { resolve } from 'node:path';
import { configuredRegion } from '../../shared/config/aws-config.ts';
import { type Environment, nonEmpty } from '../../shared/config/environment.ts';

/** The local demo space: `SP` and 22 letters or digits, like a real space ID. */
export const LOCAL_DEMO_SPACE_ID = `SP${'LOCALDEMO'.padEnd(22, '0')}`;

/** Credentials the local stack signs with when the environment names none. */
export const LOCAL_CREDENTIALS = {
  accessKeyId: 'LOCALSTACKKEY',
  secretAccessKey: 'local-stack-secret',
} as const;

/** The variables that set the ports the local stack listens on. */
export const PORT_VARIABLES = {
  port: 'PORT',
  sqsPort: 'LOCAL_SQS_PORT',
  repostspacePort: 'LOCAL_REPOSTSPACE_PORT',
  dynamodbPort: 'LOCAL_DYNAMODB_PORT',
} as const;

export interface LocalStackConfig {
  port: number;
  /** `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region: string;
  /** Set when the environment names no credentials: every client signs with these. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /**
   * The environment the functions' configuration is read from, as Lambda would give it to
   * them; the stack adds the queue URLs and endpoints it creates.
   */
  functionEnvironment: Environment;
  /** Whether the functions write EMF metrics (`POWERTOOLS_METRICS_DISABLED=false`). */
  functionMetrics: boolean;
  sqsPort: number;
  repostspacePort: number;
  dynamodbPort: number;
  /** Set when a DynamoDB endpoint is given: no dynalite is started. */
  dynamodbEndpoint?: string;
  stateDir: string;
  /** Set when an SQS endpoint is given: no emulator is started. */
  sqsEndpoint?: string;
  /** Set when a re:Post Private endpoint is given: no simulator is started. */
  repostspaceEndpoint?: string;
  hrEventSource?: string;
  allowedSpaceIds?: string;
  defaultSpaceId: string;
  simulator: {
    ratePerSecond: number;
    burst: number;
    retryAfterSeconds: number;
    internalErrorRate: number;
    dropConnectionRate: number;
    lostAnswerRate: number;
    /** Spaces the simulator knows; others answer 404. Every space when undefined. */
    knownSpaceIds?: string[];
  };
  /** Seconds between summaries. */
  summaryEverySeconds: number;
  /**
   * Tests only: the invites queue's visibility timeout, so messages in flight when the stack is
   * killed come back in seconds rather than after 6 × the worker timeout.
   */
  visibilityTimeoutSeconds?: number;
  /** Experiments only: event source mapping settings that replace those of `serverless.yml`. */
  workerOverrides: {
    maximumConcurrency?: number;
    batchSize?: number;
    maximumBatchingWindowSeconds?: number;
  };
  /**
   * Experiments only (`LOCAL_WORKER_LEDGER=off`, the ledger benchmark): the worker records no
   * outcomes and remembers no invites, as it was before the ledger.
   */
  workerWithoutLedger?: boolean;
}

function number(
  env: Environment,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function text(env: Environment, name: string): string | undefined {
  return nonEmpty(env[name]);
}

/** Whether the environment names credentials, as opposed to the chain finding them elsewhere. */
function hasCredentials(env: Environment): boolean {
  return Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE);
}

/** Reads the local stack's settings; throws naming the first invalid one. */
export function readLocalStackConfig(env: Environment): LocalStackConfig {
  const known = text(env, 'LOCAL_KNOWN_SPACE_IDS') ?? text(env, 'ALLOWED_SPACE_IDS');
  const config: LocalStackConfig = {
    port: number(env, PORT_VARIABLES.port, 3000, 0, 65_535),
    region: configuredRegion(env) ?? 'us-east-1',
    // The functions' JSON logs would drown the summary; POWERTOOLS_LOG_LEVEL opts back in.
    functionEnvironment: {
      ...env,
      POWERTOOLS_LOG_LEVEL: text(env, 'POWERTOOLS_LOG_LEVEL') ?? 'WARN',
    },
    functionMetrics: text(env, 'POWERTOOLS_METRICS_DISABLED')?.toLowerCase() === 'false',
    sqsPort: number(env, PORT_VARIABLES.sqsPort, 4566, 0, 65_535),
    repostspacePort: number(env, PORT_VARIABLES.repostspacePort, 4580, 0, 65_535),
    dynamodbPort: number(env, PORT_VARIABLES.dynamodbPort, 4569, 0, 65_535),
    stateDir: resolve(text(env, 'LOCAL_STATE_DIR') ?? '.local'),
    defaultSpaceId: text(env, 'DEFAULT_SPACE_ID') ?? LOCAL_DEMO_SPACE_ID,
    simulator: {
      ratePerSecond: number(env, 'LOCAL_THROTTLE_RATE', 5, 0.01, 10_000),
      burst: number(env, 'LOCAL_THROTTLE_BURST', 5, 1, 10_000),
      retryAfterSeconds: number(env, 'LOCAL_THROTTLE_RETRY_AFTER', 1, 0, 43_200),
      internalErrorRate: number(env, 'LOCAL_FAULT_500_RATE', 0, 0, 1),
      dropConnectionRate: number(env, 'LOCAL_FAULT_DROP_RATE', 0, 0, 1),
      lostAnswerRate: number(env, 'LOCAL_FAULT_LOST_ANSWER_RATE', 0, 0, 1),
    },
    summaryEverySeconds: number(env, 'LOCAL_SUMMARY_SECONDS', 5, 0.1, 3_600),
    workerOverrides: {},
  };
  if (text(env, 'LOCAL_VISIBILITY_TIMEOUT') !== undefined) {
    config.visibilityTimeoutSeconds = number(env, 'LOCAL_VISIBILITY_TIMEOUT', 0, 0, 43_200);
  }
  const overrides = [
    ['LOCAL_WORKER_CONCURRENCY', 'maximumConcurrency', 1, 1_000],
    ['LOCAL_WORKER_BATCH_SIZE', 'batchSize', 1, 10_000],
    ['LOCAL_WORKER_BATCHING_WINDOW', 'maximumBatchingWindowSeconds', 0, 300],
  ] as const;
  for (const [name, key, min, max] of overrides) {
    if (text(env, name) !== undefined) config.workerOverrides[key] = number(env, name, 0, min, max);
  }
  const workerLedger = text(env, 'LOCAL_WORKER_LEDGER')?.toLowerCase();
  if (workerLedger !== undefined && workerLedger !== 'on' && workerLedger !== 'off') {
    throw new Error(`LOCAL_WORKER_LEDGER must be on or off, got "${workerLedger}"`);
  }
  if (workerLedger === 'off') config.workerWithoutLedger = true;
  if (known) {
    config.simulator.knownSpaceIds = [
      ...new Set([
        ...known
          .split(',')
          .map((id) => id.trim())
          .filter(Boolean),
        config.defaultSpaceId,
      ]),
    ];
  }
  const sqsEndpoint = text(env, 'AWS_ENDPOINT_URL_SQS');
  const repostspaceEndpoint = text(env, 'AWS_ENDPOINT_URL_REPOSTSPACE');
  const dynamodbEndpoint = text(env, 'AWS_ENDPOINT_URL_DYNAMODB');
  if (dynamodbEndpoint) config.dynamodbEndpoint = dynamodbEndpoint;
  const hrEventSource = text(env, 'HR_EVENT_SOURCE');
  const allowedSpaceIds = text(env, 'ALLOWED_SPACE_IDS');
  if (!hasCredentials(env)) config.credentials = { ...LOCAL_CREDENTIALS };
  if (sqsEndpoint) config.sqsEndpoint = sqsEndpoint;
  if (repostspaceEndpoint) config.repostspaceEndpoint = repostspaceEndpoint;
  if (hrEventSource) config.hrEventSource = hrEventSource;
  if (allowedSpaceIds) config.allowedSpaceIds = allowedSpaceIds;
  return config;
}

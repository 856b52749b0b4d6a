import type { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClientOptions, ClientTimeouts } from '../../shared/adapters/aws-client-options.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { configuredEndpoint, configuredRegion, isHttpUrl } from '../../shared/config/aws-config.ts';
import type { Environment } from '../../shared/config/environment.ts';
import { UsageError } from './errors.ts';
import { hasEnvironmentCredentials, isLoopback, resolveSigningRegion } from './sign-request.ts';

/** What an endpoint on this machine (the local stack, fauxqs) is signed with: it checks nothing. */
export const LOOPBACK_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

/**
 * How long an operator command waits for one AWS call, and how often it tries: long enough for a
 * slow page of a large table, short enough that an endpoint which never answers is reported
 * within about a minute instead of leaving the command silent.
 */
export const SCRIPT_CLIENT_TIMEOUTS: ClientTimeouts = { requestTimeoutMs: 20_000, maxAttempts: 3 };

/** The SDK's message when neither the configuration nor the profile names a region. */
const SDK_REGION_MISSING = 'Region is missing';

export interface ScriptSqsClientOptions {
  env: Environment;
  /** `--region`. */
  region?: string | undefined;
  /** A queue URL the command was given; a loopback one names the endpoint when none is set. */
  queueUrl?: string | undefined;
}

/**
 * The SQS endpoint: `AWS_ENDPOINT_URL_SQS` (or `AWS_ENDPOINT_URL`), else the origin of a
 * loopback queue URL, since move tasks are addressed by ARN and would otherwise go to AWS.
 * Emulators name queues on `*.localhost` hosts that may not resolve: those become 127.0.0.1.
 */
function sqsEndpoint(env: Environment, queueUrl: string | undefined): string | undefined {
  const configured = configuredEndpoint(env, 'SQS');
  if (configured !== undefined) {
    if (!isHttpUrl(configured)) {
      throw new UsageError(
        `The SQS endpoint "${configured}" (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL) is not an http(s) URL`,
      );
    }
    return configured;
  }
  if (queueUrl === undefined) return undefined;
  const url = new URL(queueUrl);
  if (!isLoopback(url)) return undefined;
  if (url.hostname.endsWith('.localhost')) url.hostname = '127.0.0.1';
  return url.origin;
}

/**
 * Region, endpoint, credentials and timeouts for an operator command's client of a service at
 * `endpoint`: the region is `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, `us-east-1` for a
 * loopback endpoint, else left to the SDK's chain (the profile's); a loopback endpoint gets
 * dummy credentials when the environment names none; calls get `SCRIPT_CLIENT_TIMEOUTS`.
 */
export function scriptClientOptions(
  env: Environment,
  endpoint: string | undefined,
  askedRegion: string | undefined,
): AwsClientOptions & { endpoint?: string; timeouts: ClientTimeouts } {
  const target = endpoint === undefined ? undefined : new URL(endpoint);
  const region =
    target === undefined
      ? (askedRegion ?? configuredRegion(env))
      : resolveSigningRegion(askedRegion, target, env);
  const local = target !== undefined && isLoopback(target) && !hasEnvironmentCredentials(env);
  return {
    ...(region !== undefined ? { region } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    ...(local ? { credentials: { ...LOOPBACK_CREDENTIALS } } : {}),
    timeouts: SCRIPT_CLIENT_TIMEOUTS,
  };
}

/**
 * Resolves a client's region once, so a missing one is a usage error, not a failure mid-run.
 * Throws `UsageError` (and destroys the client) when there is none or it is not valid.
 */
export async function requireRegion(
  client: { config: { region: () => Promise<string> }; destroy(): void },
  service: string,
): Promise<string> {
  try {
    return await client.config.region();
  } catch (error) {
    client.destroy();
    const reason = (error as Error).message;
    throw new UsageError(
      reason === SDK_REGION_MISSING
        ? `No AWS region for ${service}: pass --region or set AWS_REGION`
        : `The AWS region is not valid (${reason}): pass --region or set AWS_REGION`,
      { cause: error },
    );
  }
}

/** The region an SQS queue URL on AWS names (`https://sqs.eu-west-1.amazonaws.com/…`). */
export function sqsUrlRegion(queueUrl: string | undefined): string | undefined {
  if (queueUrl === undefined || !URL.canParse(queueUrl)) return undefined;
  return /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(queueUrl).hostname)?.[1];
}

/**
 * An SQS client for an operator command, with `scriptClientOptions`; a queue URL on AWS names
 * the region, before `AWS_REGION` and the profile. Throws `UsageError` when no region is found,
 * or `--region` is another than the queue URL's.
 */
export async function createScriptSqsClient(options: ScriptSqsClientOptions): Promise<SQSClient> {
  const { env } = options;
  const urlRegion = sqsUrlRegion(options.queueUrl);
  if (urlRegion !== undefined && options.region !== undefined && options.region !== urlRegion) {
    throw new UsageError(
      `The queue URL is in ${urlRegion}, but --region says ${options.region}; leave --region out or correct it`,
    );
  }
  const client = createSqsClient(
    scriptClientOptions(env, sqsEndpoint(env, options.queueUrl), options.region ?? urlRegion),
  );
  await requireRegion(client, 'SQS');
  return client;
}

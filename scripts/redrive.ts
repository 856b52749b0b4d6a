/**
 * `npm run redrive`: moves the dead-letter queue's messages back to the invites queue.
 * Run with `--help` for the options.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { LOCAL_STAGE } from '../infra/local/definitions.ts';
import { readLocalStackConfig } from '../infra/local/local-config.ts';
import { configuredEndpoint, isHttpUrl } from '../shared/config/aws-config.ts';
import type { Environment } from '../shared/config/environment.ts';
import { definedOptions, integerOption, parseOptions, stringOption } from './lib/cli-args.ts';
import { reportFailure, UsageError } from './lib/errors.ts';
import type { ScriptOutput } from './lib/progress.ts';
import {
  REDRIVE_DEFAULTS,
  type RedriveDependencies,
  type RedriveOptions,
  runRedrive,
} from './lib/run-redrive.ts';
import { createScriptSqsClient, sqsUrlRegion } from './lib/script-sqs-client.ts';
import { createSqsMover } from './lib/sqs-message-mover.ts';
import { SqsQueueDirectory } from './lib/sqs-queue-directory.ts';

export const REDRIVE_USAGE = `Usage: npm run redrive -- --stage <stage> [options]
       npm run redrive -- --dlq-url <url> --queue-url <url> [options]

Moves every message in the pipeline's dead-letter queue back to its invites queue with an SQS
message move task (StartMessageMoveTask), then reports progress until the task ends. Where the
endpoint has no message move tasks (fauxqs, npm start), the command moves them itself: it
receives, sends to the invites queue and deletes, 10 at a time.

Options:
  --stage <stage>         The deployed stage; the queues are <service>-<stage>-invites-dlq and
                          <service>-<stage>-invites, found with GetQueueUrl. \`local\` is the
                          npm start stack (its SQS on LOCAL_SQS_PORT, 4566 by default), unless
                          --region or an SQS endpoint variable is given
  --service <name>        The service name (default ${REDRIVE_DEFAULTS.service})
  --region <region>       The queues' region (default: the one an AWS --dlq-url names,
                          then AWS_REGION, AWS_DEFAULT_REGION, the AWS config's profile;
                          us-east-1 for an SQS endpoint on this machine)
  --rate <n>              Most messages moved a second, 1 to 500 (default: SQS's own pace)
  --dlq-url <url>         The dead-letter queue's URL, instead of looking it up
  --queue-url <url>       The invites queue's URL, instead of looking it up
  --cancel                Cancel the running move task instead of starting one
  -h, --help              Show this help

Dead letters go back only to the queue whose redrive policy names the DLQ: another stage's
DLQ, or the two URLs swapped, are refused. Only one move task may run on a queue at a time:
while one runs, the command refuses to start another. Ctrl-C stops watching; a move task keeps running (a move this command makes
itself stops). HR events parked in the same DLQ are not invite chunks: the worker parks them
again, as InvalidMessage.
AWS_ENDPOINT_URL_SQS points the command at another SQS endpoint; without it, a --dlq-url on
this machine (localhost, 127.0.0.1) names the endpoint. An endpoint on this machine needs no
AWS credentials: when the environment names none, dummy ones are used.

Needs sqs:GetQueueUrl, sqs:GetQueueAttributes, sqs:StartMessageMoveTask,
sqs:ListMessageMoveTasks, sqs:CancelMessageMoveTask, sqs:ReceiveMessage and
sqs:DeleteMessage on the dead-letter queue; sqs:GetQueueUrl, sqs:GetQueueAttributes and
sqs:SendMessage on the invites queue; and kms:Decrypt and kms:GenerateDataKey on the
queues' KMS key, when they have one.

Each AWS call gets 20 s and three tries before the command gives up.

Exit codes: 0 moved (or nothing to move, or cancelled as asked), 1 the task failed, was
cancelled, or another was running, or the endpoint failed, 2 invalid arguments (queues that
are not a DLQ and its source, URLs in two regions, a --region other than the URL's), no
region or no credentials.
`;

const OPTIONS = {
  stage: { type: 'string' },
  service: { type: 'string' },
  region: { type: 'string' },
  rate: { type: 'string' },
  'dlq-url': { type: 'string' },
  'queue-url': { type: 'string' },
  cancel: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Reads the command line; `help` when usage was asked for. Throws `UsageError`. */
export function parseRedriveArgs(
  argv: readonly string[],
): { help: true } | { help: false; options: RedriveOptions; region?: string } {
  const values = parseOptions(argv, OPTIONS);
  if (values.help === true) return { help: true };
  const stage = stringOption(values, 'stage');
  const dlqUrl = stringOption(values, 'dlq-url');
  const queueUrl = stringOption(values, 'queue-url');
  const options: RedriveOptions = definedOptions({
    stage,
    service: stringOption(values, 'service'),
    dlqUrl,
    queueUrl,
    rate: integerOption(values, 'rate', 1, 500),
    cancel: values.cancel === true ? true : undefined,
  });
  if (
    stage === undefined &&
    (dlqUrl === undefined || (queueUrl === undefined && !options.cancel))
  ) {
    throw new UsageError('Pass --stage, or --dlq-url and --queue-url');
  }
  for (const [name, url] of [
    ['dlq-url', dlqUrl],
    ['queue-url', queueUrl],
  ] as const) {
    if (url !== undefined && !isHttpUrl(url)) {
      throw new UsageError(`--${name} must be an http(s) queue URL, got "${url}"`);
    }
  }
  if (dlqUrl !== undefined && dlqUrl === queueUrl) {
    throw new UsageError('--dlq-url and --queue-url name the same queue: nothing would move');
  }
  const [dlqRegion, queueRegion] = [sqsUrlRegion(dlqUrl), sqsUrlRegion(queueUrl)];
  if (dlqRegion !== undefined && queueRegion !== undefined && dlqRegion !== queueRegion) {
    throw new UsageError(
      `--dlq-url is in ${dlqRegion} and --queue-url in ${queueRegion}: SQS moves messages within one region`,
    );
  }
  const region = stringOption(values, 'region');
  return region === undefined ? { help: false, options } : { help: false, options, region };
}

/** The local stack's SQS port. Throws `UsageError` for a malformed `LOCAL_SQS_PORT`. */
function localSqsPort(env: Environment): number {
  try {
    return readLocalStackConfig(env).sqsPort;
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** Runs the command and resolves to its exit code; errors are written to `stderr`. */
export async function main(
  argv: readonly string[],
  io: { stdout: ScriptOutput; stderr: ScriptOutput; env?: Environment; signal?: AbortSignal },
  dependencies?: Pick<RedriveDependencies, 'queues' | 'mover'>,
): Promise<number> {
  let parsed: ReturnType<typeof parseRedriveArgs>;
  try {
    parsed = parseRedriveArgs(argv);
  } catch (error) {
    io.stderr.write(`redrive: ${(error as Error).message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(REDRIVE_USAGE);
    return 0;
  }
  let client: SQSClient | undefined;
  let env = io.env ?? {};
  // The local stack's queues live in its fauxqs: `--stage local` goes there, unless an endpoint
  // or `--region` says the stage is a deployed one of that name.
  const local =
    parsed.options.stage === LOCAL_STAGE &&
    parsed.region === undefined &&
    configuredEndpoint(env, 'SQS') === undefined;
  try {
    if (local) env = { ...env, AWS_ENDPOINT_URL_SQS: `http://127.0.0.1:${localSqsPort(env)}` };
    let adapters = dependencies;
    if (adapters === undefined) {
      client = await createScriptSqsClient({
        env,
        region: parsed.region,
        queueUrl: parsed.options.dlqUrl,
      });
      adapters = { queues: new SqsQueueDirectory(client), mover: createSqsMover(client) };
    }
    const result = await runRedrive(parsed.options, { ...adapters, ...io });
    return result.exitCode;
  } catch (error) {
    return reportFailure('redrive', error, local, io.stderr);
  } finally {
    client?.destroy();
  }
}

if (import.meta.main) {
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  process.exitCode = await main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: interrupt.signal,
  });
}

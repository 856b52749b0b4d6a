import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { buildIntakeHandler } from '../../functions/intake/build.ts';
import { buildStatusHandler } from '../../functions/status/build.ts';
import { buildWorkerHandler } from '../../functions/worker/build.ts';
import { createDynamoDbClient } from '../../shared/adapters/ledger/dynamodb-client.ts';
import { createSqsClient } from '../../shared/adapters/sqs-client.ts';
import { readIntakeConfig } from '../../shared/config/intake-config.ts';
import { readStatusConfig } from '../../shared/config/status-config.ts';
import { readWorkerConfig } from '../../shared/config/worker-config.ts';
import { toQueueJson } from '../../shared/domain/json-size.ts';
import type { DeliveryObserver, IntakeObserver } from '../../shared/domain/ports.ts';
import { loadStackDefinitions, type StackDefinitions } from './definitions.ts';
import { SqsEventSourceMapping, type SqsHandler } from './event-source-mapping.ts';
import { type HttpGateway, startHttpGateway } from './http-gateway.ts';
import { failedInvocationRecord, LOCAL_ACCOUNT_ID } from './lambda-context.ts';
import { type LocalStackConfig, PORT_VARIABLES } from './local-config.ts';
import { ensureTable, startLocalDynamoDb } from './local-dynamodb.ts';
import { ensureLocalQueues, type LocalQueue } from './local-queues.ts';
import { startLoopbackFauxqs } from './loopback-fauxqs.ts';
import { rethrowPortInUse } from './port-in-use.ts';
import { startRateSampler } from './rate-sampler.ts';
import {
  type RepostspaceSimulator,
  startRepostspaceSimulator,
} from './repostspace-simulator/index.ts';

const ROOT = new URL('../../', import.meta.url);

export interface StackSummary {
  acceptedRequests: number;
  acceptedAccessors: number;
  rejectedRequests: number;
  queued: number;
  inFlight: number;
  invited?: number;
  /** Accessors left out: invited to the space within REINVITE_AFTER_DAYS. */
  skipped: number;
  throttled?: number;
  deadLettered: number;
}

export interface StackEvents {
  /** A request or event the intake accepted (or replayed), or an event it queued in part. */
  accepted?(line: { kind: 'http' | 'event'; detail: string }): void;
  /** An HR event the intake refused and parked in the DLQ. */
  parked?(line: { detail: string }): void;
  /** Something an operator should hear about: a rejected request, a failed invocation. */
  notice?(line: string): void;
}

export interface LocalStack {
  definitions: StackDefinitions;
  httpUrl: string;
  sqsEndpoint: string;
  repostspaceEndpoint: string;
  dynamodbEndpoint: string;
  queues: { invites: LocalQueue; deadLetter: LocalQueue };
  /** The simulator, when the stack started one. */
  simulator?: RepostspaceSimulator;
  summary(): Promise<StackSummary>;
  /** Resolves once the requests and events the gateway has taken so far are handled. */
  settled(): Promise<void>;
  /**
   * Stops accepting and polling, lets in-flight invocations finish and hands back what they
   * leave unsettled; the servers keep answering until `stop`.
   */
  drain(): Promise<void>;
  /** Drains, then closes every server (state is kept). */
  stop(): Promise<void>;
}

/**
 * Starts the whole pipeline on this machine: SQS (embedded fauxqs unless an endpoint is
 * given), the re:Post Private simulator (unless an endpoint is given), the intake behind the
 * HTTP API and EventBridge emulation, and the worker behind the event source mapping.
 */
export async function startLocalStack(
  config: LocalStackConfig,
  events: StackEvents = {},
): Promise<LocalStack> {
  // One provider for every client and the simulator, so the simulator verifies signatures with
  // the credentials the clients sign with: the built-in local ones, else the standard chain's.
  const aws = { region: config.region, credentials: config.credentials ?? defaultProvider() };
  const loaded = loadStackDefinitions(new URL('serverless.yml', ROOT).pathname, {
    region: config.region,
    params: { hrEventSource: config.hrEventSource },
  });
  const definitions = { ...loaded, worker: { ...loaded.worker, ...config.workerOverrides } };
  if (config.visibilityTimeoutSeconds !== undefined) {
    const invites = loaded.queues.invites;
    definitions.queues = {
      ...loaded.queues,
      invites: {
        ...invites,
        attributes: {
          ...invites.attributes,
          VisibilityTimeout: String(config.visibilityTimeoutSeconds),
        },
      },
    };
  }
  const stops: (() => Promise<void>)[] = [];
  try {
    let sqsEndpoint = config.sqsEndpoint;
    if (!sqsEndpoint) {
      const dataDir = join(config.stateDir, 'sqs');
      mkdirSync(dataDir, { recursive: true, mode: 0o700 });
      const fauxqs = await startLoopbackFauxqs({
        port: config.sqsPort,
        dataDir,
        queueUrlHost: 'localhost',
      }).catch(rethrowPortInUse(PORT_VARIABLES.sqsPort, config.sqsPort));
      stops.push(() => fauxqs.stop());
      sqsEndpoint = fauxqs.url;
    }
    const sqs = createSqsClient({ ...aws, endpoint: sqsEndpoint });
    stops.push(async () => sqs.destroy());
    const queues = await ensureLocalQueues(sqs, definitions.queues);

    let dynamodbEndpoint = config.dynamodbEndpoint;
    if (!dynamodbEndpoint) {
      const path = join(config.stateDir, 'dynamodb');
      mkdirSync(path, { recursive: true, mode: 0o700 });
      const dynamodb = await startLocalDynamoDb({ port: config.dynamodbPort, path }).catch(
        rethrowPortInUse(PORT_VARIABLES.dynamodbPort, config.dynamodbPort),
      );
      stops.push(() => dynamodb.stop());
      dynamodbEndpoint = dynamodb.url;
    }
    const dynamodb = createDynamoDbClient({ ...aws, endpoint: dynamodbEndpoint });
    stops.push(async () => dynamodb.destroy());
    await ensureTable(dynamodb, definitions.ledger);

    let simulator: RepostspaceSimulator | undefined;
    let repostspaceEndpoint = config.repostspaceEndpoint;
    if (!repostspaceEndpoint) {
      const {
        ratePerSecond,
        burst,
        retryAfterSeconds,
        internalErrorRate,
        dropConnectionRate,
        lostAnswerRate,
        knownSpaceIds,
      } = config.simulator;
      const started = await startRepostspaceSimulator({
        port: config.repostspacePort,
        throttle: { ratePerSecond, burst, retryAfterSeconds },
        faults: { internalErrorRate, dropConnectionRate, lostAnswerRate },
        credentials: aws.credentials,
        region: config.region,
        ...(knownSpaceIds ? { knownSpaceIds } : {}),
      }).catch(rethrowPortInUse(PORT_VARIABLES.repostspacePort, config.repostspacePort));
      simulator = started;
      stops.push(() => started.stop());
      repostspaceEndpoint = started.url;
    }

    // What Lambda's environment would hold: the user's settings, then what the stack created.
    const functionEnvironment = {
      ...config.functionEnvironment,
      AWS_REGION: config.region,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_REPOSTSPACE: repostspaceEndpoint,
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint,
      LEDGER_TABLE_NAME: definitions.ledger.name,
      MAX_RECEIVE_COUNT: String(definitions.queues.invites.maxReceiveCount ?? ''),
      INVITES_QUEUE_URL: queues.invites.url,
      // As deployed, unless set (0 turns the top-up off).
      TOP_UP_WINDOW_MS:
        config.functionEnvironment.TOP_UP_WINDOW_MS ?? String(definitions.worker.topUpWindowMs),
      DEAD_LETTER_QUEUE_URL: queues.deadLetter.url,
      QUEUE_MAX_MESSAGE_BYTES: definitions.queues.invites.attributes.MaximumMessageSize ?? '',
      HR_EVENT_SOURCE: definitions.intake.rule.source[0] ?? '',
      // The local PutEvents emulation sends every event from this account.
      HR_EVENT_ACCOUNT: LOCAL_ACCOUNT_ID,
      DEFAULT_SPACE_ID: config.defaultSpaceId,
      ALLOWED_SPACE_IDS: config.allowedSpaceIds ?? '',
    };
    const build = { aws, metrics: config.functionMetrics };
    const counts = { acceptedRequests: 0, acceptedAccessors: 0, rejectedRequests: 0, skipped: 0 };
    const intake = buildIntakeHandler(readIntakeConfig(functionEnvironment), {
      ...build,
      watch: intakeTally(counts, events),
    });
    const status = {
      name: 'status',
      handler: buildStatusHandler(readStatusConfig(functionEnvironment), build),
      timeoutSeconds: definitions.status.timeoutSeconds,
    };
    // Each concurrent worker is an execution environment of its own, with its own state.
    const workerConfig = readWorkerConfig(functionEnvironment);
    const watch: DeliveryObserver = {
      skipped: (_call, accessorCount) => {
        counts.skipped += accessorCount;
      },
    };
    const workers: SqsHandler[] = [];
    for (let environment = 0; environment < definitions.worker.maximumConcurrency; environment++) {
      workers.push(
        buildWorkerHandler(workerConfig, {
          ...build,
          watch,
          ...(config.workerWithoutLedger ? { ledger: false } : {}),
        }),
      );
    }

    const mapping = new SqsEventSourceMapping({
      client: sqs,
      queueUrl: queues.invites.url,
      queueArn: queues.invites.arn,
      functionName: 'worker',
      region: config.region,
      environments: workers,
      ...definitions.worker,
      onInvocation(report) {
        if (report.error)
          events.notice?.(
            `worker: ${report.error instanceof Error ? report.error.message : String(report.error)}`,
          );
      },
    });
    // The console's rate page: SendInvites calls, throttles and DLQ growth, a second at a time.
    const rate = startRateSampler({
      async read() {
        const stats = simulator?.stats();
        const dead = await depth(queues.deadLetter.url);
        return {
          ...(stats ? { calls: stats.calls, throttled: stats.throttled } : {}),
          deadLetterDepth: dead.visible + dead.inFlight,
        };
      },
    });
    stops.push(async () => rate.stop());
    const gateway: HttpGateway = await startHttpGateway({
      port: config.port,
      routes: [
        ...definitions.intake.routes,
        ...definitions.status.routes.map((route) => ({ ...route, function: status })),
      ],
      rule: definitions.intake.rule,
      intake,
      intakeTimeoutSeconds: definitions.intake.timeoutSeconds,
      region: config.region,
      rate: () => rate.series(),
      health: async () => ({
        status: 'ok',
        sqsEndpoint,
        queues: {
          invites: { url: queues.invites.url },
          deadLetter: { url: queues.deadLetter.url },
        },
        repostspaceEndpoint,
        dynamodbEndpoint,
        ledgerTable: definitions.ledger.name,
      }),
      onRequest({ method, statusCode, body, path }) {
        const result = (body ?? {}) as {
          requestId?: string;
          accessorCount?: number;
          messageCount?: number;
          message?: string;
        };
        // The intake's own tally counts what it accepts; a dry run's 200 is no news either.
        if (statusCode < 400) return;
        counts.rejectedRequests++;
        events.notice?.(`${statusCode} ${method} ${path}: ${result.message ?? ''}`);
      },
      ...(events.notice
        ? { onError: (error) => events.notice?.(`gateway: ${String(error)}`) }
        : {}),
      onEvent({ detailType, error }) {
        if (error) events.notice?.(`intake failed on a "${detailType}" event: ${String(error)}`);
      },
      // The intake's on-failure destination: the invocation's record goes to the DLQ.
      async onEventFailed(event, error) {
        await sqs.send(
          new SendMessageCommand({
            QueueUrl: queues.deadLetter.url,
            MessageBody: toQueueJson(failedInvocationRecord(event, error, config.region)),
          }),
        );
      },
    }).catch(rethrowPortInUse(PORT_VARIABLES.port, config.port));
    mapping.start();

    async function depth(url: string) {
      const { Attributes = {} } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }),
      );
      return {
        visible:
          Number(Attributes.ApproximateNumberOfMessages ?? 0) +
          Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
        inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    }

    let drained: Promise<void> | undefined;
    function drain(): Promise<void> {
      drained ??= gateway.stop().then(() => mapping.stop());
      return drained;
    }

    return {
      definitions,
      httpUrl: gateway.url,
      sqsEndpoint,
      repostspaceEndpoint,
      dynamodbEndpoint,
      queues,
      ...(simulator ? { simulator } : {}),
      async summary() {
        const [invites, dead] = await Promise.all([
          depth(queues.invites.url),
          depth(queues.deadLetter.url),
        ]);
        const stats = simulator?.stats();
        return {
          ...counts,
          queued: invites.visible,
          inFlight: invites.inFlight,
          ...(stats ? { invited: stats.deliveredAccessors, throttled: stats.throttled } : {}),
          deadLettered: dead.visible + dead.inFlight,
        };
      },
      settled: () => gateway.settled(),
      drain,
      async stop() {
        await drain();
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * What the local stack counts and prints of the intake's work: each request or event accepted
 * (a replay once, not again), each event queued in part, each event refused and parked.
 */
function intakeTally(
  counts: { acceptedRequests: number; acceptedAccessors: number; rejectedRequests: number },
  events: StackEvents,
): IntakeObserver {
  return {
    accepted(report) {
      const { requestId, accessorCount, messageCount, replayed } = report;
      if (!replayed) {
        counts.acceptedRequests++;
        counts.acceptedAccessors += accessorCount;
      }
      const what =
        report.source === 'event'
          ? `event "${report.detailType}"`
          : `POST /spaces/${report.spaceId}/invite`;
      const again = replayed ? ' (replayed: nothing queued again)' : '';
      events.accepted?.({
        kind: report.source === 'event' ? 'event' : 'http',
        detail: `${what} requestId=${requestId} accessors=${accessorCount} messages=${messageCount}${again}`,
      });
    },
    partlyQueued(source, { queuedParts, failedParts }) {
      if (source !== 'event') return;
      counts.acceptedRequests++;
      events.accepted?.({
        kind: 'event',
        detail: `event queued in part: parts ${queuedParts.join(',')} queued, ${failedParts.join(',')} parked in the DLQ`,
      });
    },
    rejected(source, error, detailType) {
      if (source !== 'event') return;
      counts.rejectedRequests++;
      events.parked?.({
        detail: `event "${detailType}" parked in the DLQ: ${error.errorType}: ${error.message}`,
      });
    },
  };
}

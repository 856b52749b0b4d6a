import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, type Tags } from 'yaml';

/** The cloud definitions the local stack reproduces, read from `serverless.yml` and `infra/`. */
export interface StackDefinitions {
  service: string;
  stage: string;
  queues: { invites: QueueDefinition; deadLetter: QueueDefinition };
  worker: {
    timeoutSeconds: number;
    batchSize: number;
    maximumBatchingWindowSeconds: number;
    maximumConcurrency: number;
    reportBatchItemFailures: boolean;
    /** The worker's `TOP_UP_WINDOW_MS` as deployed (0: no top-up). */
    topUpWindowMs: number;
  };
  intake: {
    timeoutSeconds: number;
    routes: { method: string; path: string }[];
    rule: { eventBusName: string; source: string[]; detailType: string[] };
  };
  status: { timeoutSeconds: number; routes: { method: string; path: string }[] };
  ledger: TableDefinition;
}

/** A DynamoDB table as `infra/ledger.yml` declares it. */
export interface TableDefinition {
  name: string;
  attributes: { AttributeName: string; AttributeType: 'S' | 'N' | 'B' }[];
  keySchema: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }[];
}

export interface QueueDefinition {
  name: string;
  /** SQS attributes as strings, the redrive policy pointing at the other queue by name. */
  attributes: Record<string, string>;
  maxReceiveCount?: number;
  deadLetterQueueName?: string;
}

/** CloudFormation's short-form functions for the `yaml` parser, kept as their long form so nothing is lost. */
export const CLOUDFORMATION_TAGS: Tags = [
  ['Ref', 'scalar'],
  ['Sub', 'scalar'],
  ['Sub', 'seq'],
  ['GetAtt', 'scalar'],
  ['GetAtt', 'seq'],
  ['If', 'seq'],
  ['Equals', 'seq'],
  ['Not', 'seq'],
  ['And', 'seq'],
  ['Or', 'seq'],
  ['Join', 'seq'],
  ['Split', 'seq'],
  ['Select', 'seq'],
  ['ImportValue', 'scalar'],
  ['Condition', 'scalar'],
  ['FindInMap', 'seq'],
  ['Base64', 'scalar'],
  ['GetAZs', 'scalar'],
].map(([name, collection]) => ({
  tag: `!${name}`,
  collection: collection === 'seq' ? ('seq' as const) : undefined,
  resolve: (value: unknown) => ({
    [name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`]: value,
  }),
})) as unknown as Tags;

type Yaml = Record<string, unknown>;

function readYaml(path: string): Yaml {
  return parse(readFileSync(path, 'utf8'), { customTags: CLOUDFORMATION_TAGS }) as Yaml;
}

function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    current = typeof current === 'object' && current !== null ? (current as Yaml)[key] : undefined;
  }
  return current;
}

/**
 * Resolves the Serverless variables the project uses (`self:`, `sls:stage`, `opt:`, `param:`)
 * with local values; a `${file(...)}` is read relative to `serverless.yml`.
 */
function createResolver(root: Yaml, stage: string, region: string, params: Yaml) {
  function one(expression: string): unknown {
    const [source = '', fallback] = expression.split(/,\s*/, 2);
    const unquote = (text: string) => text.replace(/^['"]|['"]$/g, '');
    let value: unknown;
    if (source.startsWith('self:')) value = resolve(at(root, source.slice(5)));
    else if (source === 'sls:stage' || source === 'opt:stage') value = stage;
    else if (source === 'opt:region') value = region;
    else if (source.startsWith('param:')) value = params[source.slice(6)];
    return value ?? (fallback === undefined ? undefined : unquote(fallback));
  }
  function resolve(value: unknown): unknown {
    if (typeof value === 'string') {
      const whole = /^\$\{([^{}]+)\}$/.exec(value);
      if (whole) return one(whole[1] as string);
      return value.replace(/\$\{([^{}]+)\}/g, (_, expression: string) =>
        String(one(expression) ?? ''),
      );
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolve(entry)]));
    }
    return value;
  }
  return resolve;
}

function queueDefinition(resource: Yaml, resources: Yaml): QueueDefinition {
  const properties = (resource.Properties ?? {}) as Yaml;
  const attributes: Record<string, string> = {};
  for (const name of [
    'VisibilityTimeout',
    'MaximumMessageSize',
    'MessageRetentionPeriod',
    'DelaySeconds',
    'ReceiveMessageWaitTimeSeconds',
  ]) {
    if (properties[name] !== undefined) attributes[name] = String(properties[name]);
  }
  const definition: QueueDefinition = { name: String(properties.QueueName), attributes };
  const redrive = properties.RedrivePolicy as Yaml | undefined;
  if (redrive) {
    const logicalId = getAttTarget(redrive.deadLetterTargetArn);
    definition.maxReceiveCount = Number(redrive.maxReceiveCount);
    definition.deadLetterQueueName = String(at(resources, `${logicalId}.Properties.QueueName`));
  }
  return definition;
}

/** The logical ID an `Fn::GetAtt` points at, in either of its forms. */
function getAttTarget(value: unknown): string {
  const target = at(value, 'Fn::GetAtt') as string | string[] | undefined;
  return (Array.isArray(target) ? target[0] : target?.split('.')[0]) ?? '';
}

/** The HTTP API routes a function declares. */
function httpRoutes(fn: Yaml): { method: string; path: string }[] {
  return ((fn.events as Yaml[] | undefined) ?? [])
    .filter((event) => 'httpApi' in event)
    .map((event) => ({
      method: String(at(event, 'httpApi.method')),
      path: String(at(event, 'httpApi.path')),
    }));
}

function findEvent(events: unknown, kind: string): Yaml {
  const found = ((events as Yaml[] | undefined) ?? []).find((event) => kind in event);
  if (!found)
    throw new Error(`serverless.yml declares no ${kind} event where the local stack needs one`);
  return found[kind] as Yaml;
}

/** The stage the local stack runs as: its queues and table are named for it. */
export const LOCAL_STAGE = 'local';

/**
 * Reads the stack's definitions from `serverless.yml` and the resource fragments it includes.
 * Throws when a definition the local stack relies on is missing.
 */
export function loadStackDefinitions(
  serverlessPath: string,
  options: { stage?: string; region?: string; params?: Record<string, string | undefined> } = {},
): StackDefinitions {
  const stage = options.stage ?? LOCAL_STAGE;
  const raw = readYaml(serverlessPath);
  const params: Yaml = {
    ...((at(raw, 'params.default') as Yaml | undefined) ?? {}),
    ...((at(raw, `params.${stage}`) as Yaml | undefined) ?? {}),
  };
  // Local settings win over the stage's parameters, as `--param` does on deploy.
  for (const [name, value] of Object.entries(options.params ?? {})) {
    if (value !== undefined && value !== '') params[name] = value;
  }
  const resolve = createResolver(raw, stage, options.region ?? 'us-east-1', params);
  const resources: Yaml = {};
  for (const entry of (raw.resources as unknown[] | undefined) ?? []) {
    const file = /^\$\{file\((.+)\)\}$/.exec(String(entry))?.[1];
    const fragment = file ? readYaml(join(dirname(serverlessPath), file)) : (entry as Yaml);
    Object.assign(resources, resolve(fragment.Resources ?? {}));
  }
  const functions = resolve(raw.functions) as Yaml;
  const worker = functions.worker as Yaml;
  const intake = functions.intake as Yaml;
  const status = functions.status as Yaml;
  const ledgerTable = Object.values(resources).find(
    (resource) => (resource as Yaml).Type === 'AWS::DynamoDB::Table',
  ) as Yaml | undefined;
  if (!ledgerTable) throw new Error('The resources declare no DynamoDB table for the ledger');
  const sqs = findEvent(worker.events, 'sqs');
  const bridge = findEvent(intake.events, 'eventBridge');
  const invites = queueDefinition(resources[getAttTarget(sqs.arn)] as Yaml, resources);
  const deadLetterId = Object.keys(resources).find(
    (id) => at(resources, `${id}.Properties.QueueName`) === invites.deadLetterQueueName,
  );
  const providerTimeout = Number(at(raw, 'provider.timeout') ?? 6);
  return {
    service: String(raw.service),
    stage,
    queues: {
      invites,
      deadLetter: queueDefinition(resources[deadLetterId ?? ''] as Yaml, resources),
    },
    worker: {
      timeoutSeconds: Number(worker.timeout ?? providerTimeout),
      batchSize: Number(sqs.batchSize ?? 10),
      maximumBatchingWindowSeconds: Number(sqs.maximumBatchingWindow ?? 0),
      maximumConcurrency: Number(sqs.maximumConcurrency ?? 1000),
      reportBatchItemFailures: sqs.functionResponseType === 'ReportBatchItemFailures',
      topUpWindowMs: Number(at(worker, 'environment.TOP_UP_WINDOW_MS') ?? 0),
    },
    intake: {
      timeoutSeconds: Number(intake.timeout ?? providerTimeout),
      routes: httpRoutes(intake),
      rule: {
        eventBusName:
          String(bridge.eventBus ?? 'default')
            .split('event-bus/')
            .pop() ?? 'default',
        source: (at(bridge, 'pattern.source') as string[]) ?? [],
        detailType: (at(bridge, 'pattern.detail-type') as string[]) ?? [],
      },
    },
    status: {
      timeoutSeconds: Number(status?.timeout ?? providerTimeout),
      routes: status ? httpRoutes(status) : [],
    },
    ledger: {
      name: String(at(ledgerTable, 'Properties.TableName')),
      attributes: at(
        ledgerTable,
        'Properties.AttributeDefinitions',
      ) as TableDefinition['attributes'],
      keySchema: at(ledgerTable, 'Properties.KeySchema') as TableDefinition['keySchema'],
    },
  };
}

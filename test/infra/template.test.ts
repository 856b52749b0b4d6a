import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type PackagedService, packageService } from './package-service.ts';
import {
  evaluateCondition,
  getAtt,
  onlyResourceOfType,
  type Resource,
  ref,
  resolveIf,
  resource,
  resourcesOfType,
  type Template,
} from './template.ts';
import { listZipEntries, readZipEntry } from './zip-archive.ts';

const SERVICE = 'repost-invite-pipeline';
const STAGE = 'ci';
const MAX_BUNDLE_BYTES = 400 * 1024;
const QUEUE_MAX_MESSAGE_BYTES = 1024 * 1024;

/** The defaults, but for the consent an empty `allowedSpaceIds` needs outside dev and local. */
const DEFAULT_PARAMS = { allowAnySpace: 'true' };

const HR_ROLE = 'arn:aws:iam::111122223333:role/hr-system';
// The whole account the role is in: publishers of another account would need another hrEventAccount.
const HR_ACCOUNT = '111122223333';
const OPERATOR_ROLE = 'arn:aws:iam::123456789012:role/invite-operators';
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Every deploy-time parameter set to something other than its default. */
const CUSTOM_PARAMS = {
  allowedSpaceIds: 'SPalpha000000000000000000, SP_beta-2',
  defaultSpaceId: 'SPalpha000000000000000000',
  defaultInviteTitle: 'Bienvenue à bord, équipe',
  defaultInviteBody: 'Rejoignez notre espace re:Post privé : questions, réponses, collègues.',
  hrEventSource: 'acme.hr',
  hrEventBusName: 'hr-events',
  hrPublisherPrincipals: `${HR_ROLE}, ${HR_ACCOUNT}`,
  hrEventAccount: '111122223333',
  alarmEmail: 'oncall@example.com',
  workerMaximumConcurrency: '5',
  workerBatchSize: '60',
  workerBatchingWindow: '1',
  intakeReservedConcurrency: '4',
  apiThrottlingRateLimit: '2.5',
  apiThrottlingBurstLimit: '5',
  operatorRoleArn: OPERATOR_ROLE,
  kmsKeyArn: KMS_KEY,
  retainData: 'false',
  logRetentionInDays: '30',
  requestRetentionDays: '7',
  idempotencyTtlSeconds: '3600',
  reinviteAfterDays: '0',
  logLevel: 'DEBUG',
};

const execFileAsync = promisify(execFile);

/** What a cold start needs to get past reading its configuration; nothing is called. */
const LAMBDA_ENVIRONMENT = {
  PATH: process.env.PATH,
  AWS_REGION: 'us-east-1',
  INVITES_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/invites-dlq',
  LEDGER_TABLE_NAME: 'repost-invite-pipeline-ci-ledger',
};

const POWERTOOLS_ENVIRONMENT = {
  POWERTOOLS_SERVICE_NAME: `${SERVICE}-${STAGE}`,
  POWERTOOLS_METRICS_NAMESPACE: 'RepostInvitePipeline',
};

let defaults: Template;
let custom: Template;
let defaultsOutput: string;
let customOutput: string;
const packaged: PackagedService[] = [];

before(
  async () => {
    // Both packagings run at once, each on its own copy of the service.
    const runs = await Promise.allSettled([
      packageService({ stage: STAGE, params: DEFAULT_PARAMS }),
      packageService({ stage: STAGE, params: CUSTOM_PARAMS }),
    ]);
    for (const run of runs) if (run.status === 'fulfilled') packaged.push(run.value);
    for (const run of runs) if (run.status === 'rejected') throw run.reason;
    [defaults, custom] = packaged.map((service) => service.template) as [Template, Template];
    [defaultsOutput, customOutput] = packaged.map((service) => service.output) as [string, string];
  },
  { timeout: 180_000 },
);

after(() => Promise.all(packaged.map((service) => service.dispose())));

/** osls names a function's resources after it: `intake` -> `IntakeLambdaFunction`, `IntakeLogGroup`. */
const LOGICAL_NAMES = { intake: 'Intake', worker: 'Worker', status: 'Status' } as const;

function functionResource(template: Template, name: keyof typeof LOGICAL_NAMES): Resource {
  return resource(template, `${LOGICAL_NAMES[name]}LambdaFunction`, 'AWS::Lambda::Function');
}

function policyStatements(template: Template, roleId: string): unknown[] {
  const role = resource(template, roleId, 'AWS::IAM::Role');
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: unknown[] } }[];
  assert.equal(policies.length, 1, `${roleId} has one inline policy`);
  return resolveIf(template, policies[0]?.PolicyDocument.Statement) as unknown[];
}

interface Statement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  [key: string]: unknown;
}

/** The statements of a queue or topic policy, as CloudFormation would choose its branches. */
function queuePolicyStatements(template: Template, logicalId: string): Statement[] {
  const policy = template.Resources[logicalId];
  assert.ok(policy, `${logicalId} is in the template`);
  const document = resolveIf(template, policy.Properties.PolicyDocument) as {
    Statement: Statement[];
  };
  return document.Statement;
}

function spaceArn(space: string) {
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:repostspace:\${AWS::Region}:\${AWS::AccountId}:space/${space}`,
  };
}

function hrEventsRule(template: Template): Resource {
  return onlyResourceOfType(template, 'AWS::Events::Rule')[1];
}

/** The ARN EventBridge gives the rule: the bus appears in it unless it is the default bus. */
function ruleArn(busName: string, ruleName: string): { 'Fn::Sub': string } {
  const busPath = busName === 'default' ? '' : `${busName}/`;
  return {
    'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${busPath}${ruleName}`,
  };
}

describe('the functions', () => {
  it('run on Node 24 on arm64 with their own memory, timeout and role', () => {
    const intake = functionResource(defaults, 'intake').Properties;
    const worker = functionResource(defaults, 'worker').Properties;

    assert.partialDeepStrictEqual(intake, {
      FunctionName: `${SERVICE}-${STAGE}-intake`,
      Handler: 'functions/intake/handler.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 29,
      Role: getAtt('IntakeRole', 'Arn'),
    });
    assert.partialDeepStrictEqual(worker, {
      FunctionName: `${SERVICE}-${STAGE}-worker`,
      Handler: 'functions/worker/handler.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      Role: getAtt('WorkerRole', 'Arn'),
    });
    assert.partialDeepStrictEqual(functionResource(defaults, 'status').Properties, {
      FunctionName: `${SERVICE}-${STAGE}-status`,
      Handler: 'functions/status/handler.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 10,
      Role: getAtt('StatusRole', 'Arn'),
    });
  });

  it('get exactly the environment their configuration reads, from the parameters', () => {
    const environment = (template: Template, name: keyof typeof LOGICAL_NAMES) =>
      (functionResource(template, name).Properties.Environment as { Variables: unknown }).Variables;
    const queues = {
      INVITES_QUEUE_URL: ref('InvitesQueue'),
      DEAD_LETTER_QUEUE_URL: ref('DeadLetterQueue'),
    };
    const ledger = (template: Template) => ({
      LEDGER_TABLE_NAME: ref('LedgerTable'),
      REQUEST_RETENTION_DAYS: template === custom ? CUSTOM_PARAMS.requestRetentionDays : '30',
      REINVITE_AFTER_DAYS: template === custom ? CUSTOM_PARAMS.reinviteAfterDays : '7',
    });

    for (const template of [defaults, custom]) {
      const params = template === custom ? CUSTOM_PARAMS : undefined;
      const powertools = {
        ...POWERTOOLS_ENVIRONMENT,
        POWERTOOLS_LOG_LEVEL: params?.logLevel ?? 'INFO',
      };
      assert.deepEqual(environment(template, 'intake'), {
        ...queues,
        ...ledger(template),
        ALLOWED_SPACE_IDS: params?.allowedSpaceIds ?? '',
        DEFAULT_SPACE_ID: params?.defaultSpaceId ?? '',
        HR_EVENT_SOURCE: params?.hrEventSource ?? 'hr.events',
        HR_EVENT_ACCOUNT: { 'Fn::Sub': params?.hrEventAccount ?? `\${AWS::AccountId}` },
        QUEUE_MAX_MESSAGE_BYTES: String(QUEUE_MAX_MESSAGE_BYTES),
        IDEMPOTENCY_TTL_SECONDS: params?.idempotencyTtlSeconds ?? '86400',
        // Empty keeps the intake's own generic welcome.
        DEFAULT_INVITE_TITLE: params?.defaultInviteTitle ?? '',
        DEFAULT_INVITE_BODY: params?.defaultInviteBody ?? '',
        ...powertools,
      });
      assert.deepEqual(environment(template, 'worker'), {
        ...queues,
        ...ledger(template),
        // Equal to the invites queue's maxReceiveCount (infra/queues.yml).
        MAX_RECEIVE_COUNT: '100',
        // The worker gathers small batches itself; the mapping has no window (checked below).
        TOP_UP_WINDOW_MS: '1000',
        ...powertools,
      });
      assert.deepEqual(environment(template, 'status'), {
        ...ledger(template),
        ...powertools,
      });
    }
  });

  it('log to a log group of their own, kept for logRetentionInDays (90 by default)', () => {
    for (const [template, days] of [
      [defaults, 90],
      [custom, Number(CUSTOM_PARAMS.logRetentionInDays)],
    ] as const) {
      for (const name of ['intake', 'worker', 'status'] as const) {
        const logGroupId = `${LOGICAL_NAMES[name]}LogGroup`;
        const logGroup = resource(template, logGroupId, 'AWS::Logs::LogGroup');
        assert.deepEqual(resolveIf(template, logGroup.Properties), {
          LogGroupName: `/aws/lambda/${SERVICE}-${STAGE}-${name}`,
          RetentionInDays: days,
          ...(template === custom ? { KmsKeyId: KMS_KEY } : {}),
        });
      }
    }
  });
});

describe('the HTTP API', () => {
  it('routes POST /spaces/{spaceId}/invite to the intake and GET /requests to the status function, all behind IAM (SigV4) auth', () => {
    const integrations = new Map(
      resourcesOfType(defaults, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        integration.Properties,
      ]),
    );
    const routes = resourcesOfType(defaults, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const target = route.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] };
      const integration = integrations.get(target['Fn::Join'][1][1].Ref);
      assert.partialDeepStrictEqual(integration, {
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
      return [
        route.Properties.RouteKey,
        route.Properties.AuthorizationType,
        integration?.IntegrationUri,
      ];
    });

    assert.deepEqual(routes.sort(), [
      ['GET /requests/{requestId}', 'AWS_IAM', getAtt('StatusLambdaFunction', 'Arn')],
      ['GET /requests/{requestId}/accessors', 'AWS_IAM', getAtt('StatusLambdaFunction', 'Arn')],
      ['POST /spaces/{spaceId}/invite', 'AWS_IAM', getAtt('IntakeLambdaFunction', 'Arn')],
    ]);
    assert.deepEqual(resourcesOfType(defaults, 'AWS::ApiGatewayV2::Authorizer'), []);
  });
});

describe('the HR events rule', () => {
  const createdBus = `${SERVICE}-${STAGE}-hr-events`;

  it('listens on the bus the stack creates by default, for HR events of this account', () => {
    const rule = hrEventsRule(defaults);

    assert.deepEqual(rule.Properties.EventBusName, ref('HrEventBus'));
    assert.deepEqual(rule.Properties.EventPattern, {
      source: ['hr.events'],
      account: [{ 'Fn::Sub': `\${AWS::AccountId}` }],
      'detail-type': ['Employee Onboarded', 'Invite Requested'],
    });
  });

  it('listens on a named bus without creating it, for the configured source and account', () => {
    const rule = hrEventsRule(custom);

    assert.equal(rule.Properties.EventBusName, CUSTOM_PARAMS.hrEventBusName);
    assert.deepEqual(rule.Properties.EventPattern, {
      source: [CUSTOM_PARAMS.hrEventSource],
      account: [{ 'Fn::Sub': CUSTOM_PARAMS.hrEventAccount }],
      'detail-type': ['Employee Onboarded', 'Invite Requested'],
    });
    assert.equal(evaluateCondition(custom, 'CreatesHrEventBus'), false);
  });

  it('invokes the intake, retries for an hour, then parks the event in the DLQ', () => {
    const targets = hrEventsRule(defaults).Properties.Targets as Record<string, unknown>[];

    assert.equal(targets.length, 1);
    assert.partialDeepStrictEqual(targets[0], {
      Arn: getAtt('IntakeLambdaFunction', 'Arn'),
      RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 20 },
      DeadLetterConfig: { Arn: getAtt('DeadLetterQueue', 'Arn') },
    });
  });

  it('sends the record of an event whose intake invocation failed for good to the DLQ', () => {
    const configs = resourcesOfType(defaults, 'AWS::Lambda::EventInvokeConfig').map(
      ([, resource]) => resource.Properties as { DestinationConfig?: unknown },
    );

    assert.equal(configs.length, 1);
    assert.deepEqual(configs[0]?.DestinationConfig, {
      OnFailure: { Destination: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } },
    });
    // Lambda, not EventBridge, retries a throttled intake: for 6 hours, twice, then the DLQ.
    assert.partialDeepStrictEqual(configs[0], {
      MaximumEventAgeInSeconds: 21600,
      MaximumRetryAttempts: 2,
    });
  });

  it('publishes no function versions, which nothing invokes', () => {
    assert.deepEqual(resourcesOfType(defaults, 'AWS::Lambda::Version'), []);
  });

  it('is the only sender the DLQ lets in, on the created bus and on a named one', () => {
    for (const [template, busName] of [
      [defaults, createdBus],
      [custom, CUSTOM_PARAMS.hrEventBusName],
    ] as const) {
      const statements = queuePolicyStatements(template, 'DeadLetterQueuePolicy');

      assert.deepEqual(statements[0], {
        Sid: 'HrEventsRuleDeadLetters',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAtt('DeadLetterQueue', 'Arn'),
        Condition: {
          ArnEquals: {
            'aws:SourceArn': ruleArn(busName, hrEventsRule(template).Properties.Name as string),
          },
        },
      });
      assert.deepEqual(
        statements.filter((statement) => statement.Effect === 'Allow').length,
        1,
        'no other Allow',
      );
    }
  });
});

describe('the HR event bus', () => {
  const busArn = (name: string) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/${name}`,
  });

  it('is created by default with a policy that denies PutEvents to everyone until publishers are named', () => {
    const name = `${SERVICE}-${STAGE}-hr-events`;
    const bus = resource(defaults, 'HrEventBus', 'AWS::Events::EventBus');

    assert.equal(evaluateCondition(defaults, 'CreatesHrEventBus'), true);
    assert.equal(bus.Properties.Name, name);
    assert.deepEqual(bus.Properties.Policy, {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'OnlyHrPublishersPutEvents',
          Effect: 'Deny',
          Principal: '*',
          Action: 'events:PutEvents',
          Resource: busArn(name),
        },
      ],
    });
    assert.deepEqual(defaults.Outputs?.HrEventBusArn, { Value: busArn(name) });
    for (const logicalId of ['HrEventBusPublishersStatement', 'HrEventBusOthersStatement']) {
      assert.equal(
        evaluateCondition(defaults, defaults.Resources[logicalId]?.Condition as string),
        false,
      );
    }
    assert.match(defaultsOutput, /hrPublisherPrincipals is empty/);
  });

  it('lets only the named role and account put HR events on an existing bus, and denies the rest', () => {
    const name = CUSTOM_PARAMS.hrEventBusName;
    const allow = resource(custom, 'HrEventBusPublishersStatement', 'AWS::Events::EventBusPolicy');
    const deny = resource(custom, 'HrEventBusOthersStatement', 'AWS::Events::EventBusPolicy');

    assert.equal(evaluateCondition(custom, 'CreatesHrEventBus'), false);
    assert.equal(evaluateCondition(custom, allow.Condition as string), true);
    assert.equal(evaluateCondition(custom, deny.Condition as string), true);
    assert.deepEqual(allow.Properties, {
      EventBusName: name,
      // Named for the stage: another stage guarding the same bus adds statements of its own.
      StatementId: `HrPublishersPutEvents-${STAGE}`,
      Statement: {
        Sid: `HrPublishersPutEvents-${STAGE}`,
        Effect: 'Allow',
        Principal: { AWS: [HR_ROLE, HR_ACCOUNT] },
        Action: 'events:PutEvents',
        Resource: busArn(name),
        Condition: { 'ForAllValues:StringEquals': { 'events:source': ['acme.hr'] } },
      },
    });
    // On a bus others publish to, only events claiming the HR source are refused to them.
    assert.deepEqual(deny.Properties, {
      EventBusName: name,
      StatementId: `OnlyHrPublishersPutHrEvents-${STAGE}`,
      Statement: {
        Sid: `OnlyHrPublishersPutHrEvents-${STAGE}`,
        Effect: 'Deny',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: busArn(name),
        Condition: {
          ArnNotLike: { 'aws:PrincipalArn': [HR_ROLE] },
          StringNotEquals: { 'aws:PrincipalAccount': [HR_ACCOUNT] },
          'ForAnyValue:StringEquals': { 'events:source': ['acme.hr'] },
        },
      },
    });
    assert.equal(evaluateCondition(custom, 'HasHrPublishers'), true);
    assert.doesNotMatch(customOutput, /hrPublisherPrincipals is empty/);
  });
});

describe("the worker's event source mapping", () => {
  it("is named in the stack's outputs, for an operator pausing deliveries", () => {
    const [logicalId] = onlyResourceOfType(defaults, 'AWS::Lambda::EventSourceMapping');
    const outputs = (defaults as { Outputs?: Record<string, { Value: unknown }> }).Outputs ?? {};

    assert.deepEqual(outputs.WorkerEventSourceMappingUuid?.Value, { Ref: logicalId });
  });

  it('reads the invites queue in small batches, reports item failures, and caps concurrency', () => {
    const [, defaultMapping] = onlyResourceOfType(defaults, 'AWS::Lambda::EventSourceMapping');
    const [, customMapping] = onlyResourceOfType(custom, 'AWS::Lambda::EventSourceMapping');

    assert.partialDeepStrictEqual(defaultMapping.Properties, {
      EventSourceArn: getAtt('InvitesQueue', 'Arn'),
      FunctionName: getAtt('WorkerLambdaFunction', 'Arn'),
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 0,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    assert.deepEqual(customMapping.Properties.ScalingConfig, {
      MaximumConcurrency: Number(CUSTOM_PARAMS.workerMaximumConcurrency),
    });
    assert.equal(customMapping.Properties.BatchSize, Number(CUSTOM_PARAMS.workerBatchSize));
    assert.equal(
      customMapping.Properties.MaximumBatchingWindowInSeconds,
      Number(CUSTOM_PARAMS.workerBatchingWindow),
    );
  });
});

describe('IAM', () => {
  const lambdaTrust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ],
  };
  const writeOwnLogs = (logGroupId: string) => ({
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: getAtt(logGroupId, 'Arn'),
  });
  /** Table actions, only on the items whose partition key starts as listed. */
  const onLedger = (sid: string, actions: string | string[], leadingKeys: string[]) => ({
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: getAtt('LedgerTable', 'Arn'),
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeys } },
  });
  /** Only with `kmsKeyArn`: the table uses the key on the caller's behalf. */
  const useLedgerKey = (actions: string[]) => ({
    Sid: 'UseLedgerKey',
    Effect: 'Allow',
    Action: actions,
    Resource: KMS_KEY,
    Condition: {
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': `dynamodb.\${AWS::Region}.amazonaws.com` } },
    },
  });
  const readWriteKey = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'];
  const recordOutcomes = [
    onLedger(
      'RecordOutcomes',
      ['dynamodb:UpdateItem', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      ['REQUEST#*'],
    ),
    onLedger(
      'RememberInvites',
      ['dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem'],
      ['INVITED#*'],
    ),
  ];
  const shareSendInvitesRate = onLedger(
    'ShareSendInvitesRate',
    ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
    ['RATE#*'],
  );
  const poolSmallBatches = [
    onLedger(
      'PoolSmallBatches',
      ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
      ['GROUP#*'],
    ),
    onLedger(
      'HandOffSmallBatches',
      ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem'],
      ['HANDOFF#*'],
    ),
  ];
  const workerStatements = (spaceResources: unknown[]) => [
    writeOwnLogs('WorkerLogGroup'),
    {
      Sid: 'ConsumeInvites',
      Effect: 'Allow',
      Action: [
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:GetQueueAttributes',
      ],
      Resource: getAtt('InvitesQueue', 'Arn'),
    },
    {
      Sid: 'ParkChunks',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: getAtt('DeadLetterQueue', 'Arn'),
    },
    {
      Sid: 'RequeueDelivered',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: getAtt('InvitesQueue', 'Arn'),
    },
    {
      Sid: 'SendInvites',
      Effect: 'Allow',
      Action: 'repostspace:SendInvites',
      Resource: spaceResources,
    },
  ];

  it('gives each function a role of its own, assumable only by Lambda, and no shared role', () => {
    for (const template of [defaults, custom]) {
      const roles = resourcesOfType(template, 'AWS::IAM::Role');

      assert.deepEqual(roles.map(([logicalId]) => logicalId).sort(), [
        'IntakeRole',
        'StatusRole',
        'WorkerRole',
      ]);
      for (const [, role] of roles) {
        assert.deepEqual(role.Properties.AssumeRolePolicyDocument, lambdaTrust);
        assert.equal(role.Properties.ManagedPolicyArns, undefined);
      }
      assert.deepEqual(resourcesOfType(template, 'AWS::IAM::Policy'), []);
    }
  });

  /** Only with `kmsKeyArn`: queues encrypted with a customer-managed key need a data key. */
  const useQueueKey = {
    Sid: 'UseQueueKey',
    Effect: 'Allow',
    Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    Resource: KMS_KEY,
    Condition: {
      StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'sqs.${AWS::Region}.amazonaws.com' } },
    },
  };

  it("lets the intake write its own logs, send to the invites queue and the DLQ, and write requests' and keys' items, no more", () => {
    for (const template of [defaults, custom]) {
      assert.deepEqual(policyStatements(template, 'IntakeRole'), [
        writeOwnLogs('IntakeLogGroup'),
        {
          Sid: 'EnqueueChunks',
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Resource: [getAtt('InvitesQueue', 'Arn'), getAtt('DeadLetterQueue', 'Arn')],
        },
        ...(template === custom ? [useQueueKey, useLedgerKey(readWriteKey)] : []),
        onLedger(
          'RecordRequests',
          [
            // A retry that finds its request recorded reads it back.
            'dynamodb:GetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
            'dynamodb:BatchWriteItem',
          ],
          ['REQUEST#*'],
        ),
        onLedger('ListRequestsByDay', 'dynamodb:PutItem', ['REQUESTS#*']),
        // A new request and its day's entry, in one call.
        onLedger('RecordNewRequests', 'dynamodb:BatchWriteItem', ['REQUEST#*', 'REQUESTS#*']),
        onLedger(
          'HoldIdempotencyKeys',
          ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          ['IDEMPOTENCY#*'],
        ),
        onLedger('ReadInviteHistory', 'dynamodb:BatchGetItem', ['INVITED#*']),
      ]);
    }
  });

  it("lets the worker consume the invites queue, park in the DLQ, record requests' outcomes, share the rate, pool small batches, and invite to any space of the account when no list is given", () => {
    assert.deepEqual(policyStatements(defaults, 'WorkerRole'), [
      ...workerStatements([spaceArn('*')]),
      ...recordOutcomes,
      shareSendInvitesRate,
      ...poolSmallBatches,
    ]);
  });

  it('limits SendInvites to the allowed spaces when a list is given', () => {
    assert.deepEqual(policyStatements(custom, 'WorkerRole'), [
      ...workerStatements([spaceArn('SPalpha000000000000000000'), spaceArn('SP_beta-2')]),
      useQueueKey,
      useLedgerKey(readWriteKey),
      ...recordOutcomes,
      shareSendInvitesRate,
      ...poolSmallBatches,
    ]);
  });

  it("lets the status function write its own logs and read requests' items, nothing else", () => {
    for (const template of [defaults, custom]) {
      assert.deepEqual(policyStatements(template, 'StatusRole'), [
        writeOwnLogs('StatusLogGroup'),
        ...(template === custom ? [useLedgerKey(['kms:Decrypt', 'kms:DescribeKey'])] : []),
        onLedger('ReadRequests', ['dynamodb:GetItem', 'dynamodb:Query'], ['REQUEST#*']),
      ]);
    }
  });

  it('grants no wildcard action and no bare "*" resource anywhere', () => {
    const resourcePolicies = (template: Template) =>
      [
        ...resourcesOfType(template, 'AWS::SQS::QueuePolicy'),
        ...resourcesOfType(template, 'AWS::SNS::TopicPolicy'),
      ].flatMap(([logicalId]) => queuePolicyStatements(template, logicalId));
    // A Deny may name every action of a service (sqs:*), an Allow may not.
    const grants = (template: Template) =>
      [
        ...policyStatements(template, 'IntakeRole'),
        ...policyStatements(template, 'WorkerRole'),
        ...policyStatements(template, 'StatusRole'),
        ...resourcePolicies(template),
      ].filter((statement) => (statement as Statement).Effect === 'Allow');
    for (const template of [defaults, custom]) {
      for (const statement of grants(template) as { Action: unknown; Resource: unknown }[]) {
        for (const action of [statement.Action].flat()) {
          assert.equal(typeof action, 'string');
          assert.ok(!(action as string).includes('*'), `action ${action} names no wildcard`);
        }
        for (const target of [statement.Resource].flat()) {
          assert.notEqual(target, '*', 'no statement grants on every resource');
        }
      }
    }
  });
});

describe('the queues', () => {
  const invitesQueue = () => resource(defaults, 'InvitesQueue', 'AWS::SQS::Queue').Properties;
  const deadLetterQueue = () => resource(defaults, 'DeadLetterQueue', 'AWS::SQS::Queue').Properties;

  it('encrypt at rest and take 1 MiB messages, the size the intake chunks to', () => {
    for (const queue of [invitesQueue(), deadLetterQueue()]) {
      assert.equal(resolveIf(defaults, queue.SqsManagedSseEnabled), true);
      assert.equal(resolveIf(defaults, queue.KmsMasterKeyId), undefined);
      assert.equal(queue.MaximumMessageSize, QUEUE_MAX_MESSAGE_BYTES);
    }
    for (const queueId of ['InvitesQueue', 'DeadLetterQueue']) {
      const queue = resource(custom, queueId, 'AWS::SQS::Queue').Properties;
      assert.equal(resolveIf(custom, queue.SqsManagedSseEnabled), undefined);
      assert.equal(resolveIf(custom, queue.KmsMasterKeyId), KMS_KEY, `${queueId} uses kmsKeyArn`);
    }
    const intakeEnvironment = (
      functionResource(defaults, 'intake').Properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    assert.equal(
      intakeEnvironment.QUEUE_MAX_MESSAGE_BYTES,
      String(invitesQueue().MaximumMessageSize),
    );
  });

  it('are named for the service and stage', () => {
    assert.equal(invitesQueue().QueueName, `${SERVICE}-${STAGE}-invites`);
    assert.equal(deadLetterQueue().QueueName, `${SERVICE}-${STAGE}-invites-dlq`);
  });

  it('hide a received chunk for 6 x the worker timeout plus the longest batching window allowed', () => {
    const workerTimeout = functionResource(defaults, 'worker').Properties.Timeout as number;
    const [, mapping] = onlyResourceOfType(defaults, 'AWS::Lambda::EventSourceMapping');
    const window = mapping.Properties.MaximumBatchingWindowInSeconds as number;

    assert.equal(window, 0);
    // infra/deploy-checks.js allows a window of 1 s at most.
    assert.equal(invitesQueue().VisibilityTimeout, 6 * workerTimeout + 1);
  });

  it('gather small batches in the worker, for a second from acceptance, and none in the mapping', () => {
    const [, mapping] = onlyResourceOfType(defaults, 'AWS::Lambda::EventSourceMapping');
    const { Variables } = functionResource(defaults, 'worker').Properties.Environment as {
      Variables: Record<string, unknown>;
    };

    assert.equal(mapping.Properties.MaximumBatchingWindowInSeconds, 0);
    assert.equal(mapping.Properties.BatchSize, 10);
    assert.equal(Variables.TOP_UP_WINDOW_MS, '1000');
  });

  it('keep chunks for 7 days and dead letters for 14, the SQS maximum', () => {
    assert.equal(invitesQueue().MessageRetentionPeriod, 7 * 24 * 3600);
    assert.equal(deadLetterQueue().MessageRetentionPeriod, 14 * 24 * 3600);
  });

  it('dead-letter a chunk after 100 receives, into a DLQ that takes only the invites queue', () => {
    assert.deepEqual(invitesQueue().RedrivePolicy, {
      deadLetterTargetArn: getAtt('DeadLetterQueue', 'Arn'),
      maxReceiveCount: 100,
    });
    assert.deepEqual(deadLetterQueue().RedriveAllowPolicy, {
      redrivePermission: 'byQueue',
      sourceQueueArns: [
        {
          'Fn::Sub': `arn:\${AWS::Partition}:sqs:\${AWS::Region}:\${AWS::AccountId}:${invitesQueue().QueueName}`,
        },
      ],
    });
  });

  it('publish their URLs and ARNs as stack outputs', () => {
    assert.partialDeepStrictEqual(defaults.Outputs, {
      InvitesQueueUrl: { Value: ref('InvitesQueue') },
      InvitesQueueArn: { Value: getAtt('InvitesQueue', 'Arn') },
      DeadLetterQueueUrl: { Value: ref('DeadLetterQueue') },
      DeadLetterQueueArn: { Value: getAtt('DeadLetterQueue', 'Arn') },
    });
  });
});

describe('the queue policies', () => {
  const denyInsecureTransport = (queueId: string) => ({
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: 'sqs:*',
    Resource: getAtt(queueId, 'Arn'),
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  });
  /** Denies `actions` to every IAM principal but the roles; AWS services are spared. */
  const onlyRoles = (
    sid: string,
    queueId: string,
    actions: string | string[],
    roles: unknown[],
  ) => ({
    Sid: sid,
    Effect: 'Deny',
    Principal: '*',
    Action: actions,
    Resource: getAtt(queueId, 'Arn'),
    Condition: {
      ArnNotEquals: { 'aws:PrincipalArn': roles },
      BoolIfExists: { 'aws:PrincipalIsAWSService': 'false' },
    },
  });
  const consumeActions = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'];

  it('refuse requests without TLS on both queues', () => {
    for (const template of [defaults, custom]) {
      for (const [policyId, queueId] of [
        ['InvitesQueuePolicy', 'InvitesQueue'],
        ['DeadLetterQueuePolicy', 'DeadLetterQueue'],
      ] as const) {
        assert.deepEqual(
          queuePolicyStatements(template, policyId).find(
            (statement) => statement.Sid === 'DenyInsecureTransport',
          ),
          denyInsecureTransport(queueId),
        );
      }
    }
  });

  it('let only the intake, the worker (re-queueing a delivered chunk) and the operator (who redrives) send to the invites queue, and only the worker consume it', () => {
    const intake = getAtt('IntakeRole', 'Arn');
    const worker = getAtt('WorkerRole', 'Arn');

    assert.deepEqual(queuePolicyStatements(defaults, 'InvitesQueuePolicy'), [
      denyInsecureTransport('InvitesQueue'),
      onlyRoles('OnlyPipelineSends', 'InvitesQueue', 'sqs:SendMessage', [intake, worker]),
      onlyRoles(
        'OnlyWorkerConsumes',
        'InvitesQueue',
        [...consumeActions, 'sqs:PurgeQueue'],
        [worker],
      ),
    ]);
    assert.deepEqual(queuePolicyStatements(custom, 'InvitesQueuePolicy'), [
      denyInsecureTransport('InvitesQueue'),
      onlyRoles('OnlyPipelineSends', 'InvitesQueue', 'sqs:SendMessage', [
        intake,
        worker,
        OPERATOR_ROLE,
      ]),
      // The operator's redrive only sends here: it may not read, hide, delete or purge chunks.
      onlyRoles(
        'OnlyWorkerConsumes',
        'InvitesQueue',
        [...consumeActions, 'sqs:PurgeQueue'],
        [worker],
      ),
    ]);
  });

  it("keep the DLQ's sends to the pipeline, and its reads, deletes and redrives to the worker role and the operator role", () => {
    const intake = getAtt('IntakeRole', 'Arn');
    const worker = getAtt('WorkerRole', 'Arn');
    const readActions = [
      ...consumeActions,
      'sqs:PurgeQueue',
      'sqs:StartMessageMoveTask',
      'sqs:CancelMessageMoveTask',
    ];

    for (const [template, roles] of [
      [defaults, [worker]],
      [custom, [worker, OPERATOR_ROLE]],
    ] as const) {
      const statements = queuePolicyStatements(template, 'DeadLetterQueuePolicy');
      assert.deepEqual(
        statements.map((statement) => statement.Sid),
        [
          'HrEventsRuleDeadLetters',
          'DenyInsecureTransport',
          'OnlyPipelineParks',
          'OnlyOperatorReadsDeadLetters',
        ],
      );
      // A message forged into the DLQ would reach the invites queue with the next redrive.
      assert.deepEqual(
        statements[2],
        onlyRoles('OnlyPipelineParks', 'DeadLetterQueue', 'sqs:SendMessage', [intake, worker]),
      );
      assert.deepEqual(
        statements[3],
        onlyRoles('OnlyOperatorReadsDeadLetters', 'DeadLetterQueue', readActions, [...roles]),
      );
    }
    assert.match(defaultsOutput, /operatorRoleArn is empty/);
  });
});

describe('the HTTP API stage', () => {
  const stage = (template: Template) =>
    resource(template, 'HttpApiStage', 'AWS::ApiGatewayV2::Stage').Properties;

  it('throttles every route at apiThrottlingRateLimit and apiThrottlingBurstLimit', () => {
    assert.deepEqual(stage(defaults).DefaultRouteSettings, {
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    assert.deepEqual(stage(custom).DefaultRouteSettings, {
      DetailedMetricsEnabled: false,
      ThrottlingRateLimit: Number(CUSTOM_PARAMS.apiThrottlingRateLimit),
      ThrottlingBurstLimit: Number(CUSTOM_PARAMS.apiThrottlingBurstLimit),
    });
  });

  it("writes a JSON access log line naming the caller, kept as long as the functions' logs", () => {
    for (const [template, days] of [
      [defaults, 90],
      [custom, Number(CUSTOM_PARAMS.logRetentionInDays)],
    ] as const) {
      const settings = stage(template).AccessLogSettings as {
        DestinationArn: unknown;
        Format: string;
      };
      const logGroup = resource(template, 'HttpApiLogGroup', 'AWS::Logs::LogGroup');
      const format = JSON.parse(settings.Format) as Record<string, string>;

      assert.deepEqual(settings.DestinationArn, getAtt('HttpApiLogGroup', 'Arn'));
      assert.partialDeepStrictEqual(format, {
        requestId: '$context.requestId',
        callerArn: '$context.identity.userArn',
        caller: '$context.identity.caller',
        callerAccountId: '$context.identity.accountId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
      });
      assert.deepEqual(resolveIf(template, logGroup.Properties), {
        LogGroupName: `/aws/http-api/${SERVICE}-${STAGE}`,
        RetentionInDays: days,
        ...(template === custom ? { KmsKeyId: KMS_KEY } : {}),
      });
    }
  });

  it('lets API Gateway invoke the intake only for its route on the $default stage', () => {
    const permission = resource(
      defaults,
      'IntakeLambdaPermissionHttpApi',
      'AWS::Lambda::Permission',
    );

    assert.deepEqual(permission.Properties, {
      FunctionName: getAtt('IntakeLambdaFunction', 'Arn'),
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${HttpApi}/$default/POST/spaces/*/invite`,
      },
    });
  });

  it('lets API Gateway invoke the status function only for GET /requests on the $default stage', () => {
    const permission = resource(
      defaults,
      'StatusLambdaPermissionHttpApi',
      'AWS::Lambda::Permission',
    );

    assert.deepEqual(permission.Properties, {
      FunctionName: getAtt('StatusLambdaFunction', 'Arn'),
      Action: 'lambda:InvokeFunction',
      Principal: 'apigateway.amazonaws.com',
      SourceArn: {
        'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${HttpApi}/$default/GET/requests/*`,
      },
    });
  });
});

describe('concurrency', () => {
  it('reserves intakeReservedConcurrency for the intake, capping it', () => {
    assert.equal(functionResource(defaults, 'intake').Properties.ReservedConcurrentExecutions, 10);
    assert.equal(
      functionResource(custom, 'intake').Properties.ReservedConcurrentExecutions,
      Number(CUSTOM_PARAMS.intakeReservedConcurrency),
    );
  });

  it("reserves for the worker exactly its mapping's MaximumConcurrency, so the mapping is never throttled", () => {
    for (const template of [defaults, custom]) {
      const [, mapping] = onlyResourceOfType(template, 'AWS::Lambda::EventSourceMapping');
      const reserved = functionResource(template, 'worker').Properties.ReservedConcurrentExecutions;

      assert.equal(
        reserved,
        (mapping.Properties.ScalingConfig as { MaximumConcurrency: number }).MaximumConcurrency,
      );
    }
  });
});

describe('the customer-managed key', () => {
  it('is off by default and exposed as HasKmsKey and the KmsKeyArn output when given', () => {
    assert.equal(evaluateCondition(defaults, 'HasKmsKey'), false);
    assert.equal(evaluateCondition(custom, 'HasKmsKey'), true);
    assert.deepEqual(custom.Outputs?.KmsKeyArn, { Condition: 'HasKmsKey', Value: KMS_KEY });
  });
});

describe('the ledger table', () => {
  const table = (template: Template) =>
    resolveIf(template, resource(template, 'LedgerTable', 'AWS::DynamoDB::Table').Properties);

  it('is on-demand, keyed pk/sk, with TTL on `ttl` and point-in-time recovery', () => {
    assert.deepEqual(table(defaults), {
      TableName: `${SERVICE}-${STAGE}-ledger`,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      // DynamoDB's own (AWS-owned) key: true without a key would pick the AWS-managed one.
      SSESpecification: { SSEEnabled: false },
    });
  });

  it('is encrypted with kmsKeyArn when one is given', () => {
    assert.deepEqual((table(custom) as { SSESpecification: unknown }).SSESpecification, {
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: KMS_KEY,
    });
  });

  it('outlives the stack with the DLQ outside dev and local, unless retainData is false', () => {
    const policies = (template: Template, logicalId: string) => {
      const { DeletionPolicy, UpdateReplacePolicy } = template.Resources[logicalId] as Resource;
      return { DeletionPolicy, UpdateReplacePolicy };
    };
    const kept = { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' };
    const removed = { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' };
    // The ci stage is not one for trying things out: the records and parked invites are kept.
    for (const logicalId of ['LedgerTable', 'DeadLetterQueue', 'DeadLetterQueuePolicy']) {
      assert.deepEqual(policies(defaults, logicalId), kept, logicalId);
      assert.deepEqual(policies(custom, logicalId), removed, logicalId);
    }
    assert.equal(
      (table(custom) as { DeletionProtectionEnabled: unknown }).DeletionProtectionEnabled,
      false,
    );
    // Invites still queued go with the stack, as before: removing it is the end of delivery.
    assert.deepEqual(policies(defaults, 'InvitesQueue'), {
      DeletionPolicy: undefined,
      UpdateReplacePolicy: undefined,
    });
  });

  it('publishes its name and ARN', () => {
    assert.deepEqual(defaults.Outputs?.LedgerTableName?.Value, ref('LedgerTable'));
    assert.deepEqual(defaults.Outputs?.LedgerTableArn?.Value, getAtt('LedgerTable', 'Arn'));
  });
});

describe('the alarms', () => {
  const alarms = (template: Template) =>
    Object.fromEntries(resourcesOfType(template, 'AWS::CloudWatch::Alarm'));

  it('watch the DLQ, the age of the oldest invite, worker errors, and the ledger', () => {
    const found = alarms(defaults);

    assert.deepEqual(Object.keys(found).sort(), [
      'ApiServerErrorsAlarm',
      'DeadLetterQueueAgeAlarm',
      'DeadLetterQueueNotEmptiedAlarm',
      'DeadLetterQueueNotEmptyAlarm',
      'DeliveryStalledAlarm',
      'HrEventsDelayedAlarm',
      'HrEventsLostAlarm',
      'InvitesQueueAgeAlarm',
      'LedgerErrorsAlarm',
      'LedgerThrottlesAlarm',
      'WorkerErrorsAlarm',
    ]);
    assert.partialDeepStrictEqual(found.DeadLetterQueueAgeAlarm?.Properties, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: getAtt('DeadLetterQueue', 'QueueName') }],
      Statistic: 'Maximum',
      Threshold: 3 * 24 * 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    // However often its messages were read: 72 hourly minimums above 0, 3 days of a DLQ never empty.
    assert.partialDeepStrictEqual(found.DeadLetterQueueNotEmptiedAlarm?.Properties, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt('DeadLetterQueue', 'QueueName') }],
      Statistic: 'Minimum',
      Period: 3600,
      EvaluationPeriods: 72,
      DatapointsToAlarm: 72,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    assert.partialDeepStrictEqual(found.HrEventsDelayedAlarm?.Properties, {
      Namespace: 'AWS/Lambda',
      MetricName: 'AsyncEventAge',
      Dimensions: [{ Name: 'FunctionName', Value: ref('IntakeLambdaFunction') }],
      Statistic: 'Maximum',
      Threshold: 5 * 60 * 1000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    const throttles = (found.LedgerThrottlesAlarm?.Properties.Metrics ?? []) as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: unknown } };
    }[];
    // Throttled writes alone still count: a missing term is 0, not a missing sum.
    assert.equal(
      throttles.find((metric) => metric.Expression)?.Expression,
      'FILL(reads, 0) + FILL(writes, 0)',
    );
    assert.deepEqual(
      throttles.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : [])),
      ['ReadThrottleEvents', 'WriteThrottleEvents'].map((MetricName) => ({
        Namespace: 'AWS/DynamoDB',
        MetricName,
        Dimensions: [{ Name: 'TableName', Value: ref('LedgerTable') }],
      })),
    );
    assert.partialDeepStrictEqual(found.LedgerErrorsAlarm?.Properties, {
      Namespace: 'RepostInvitePipeline',
      MetricName: 'LedgerErrors',
      Dimensions: [{ Name: 'service', Value: `${SERVICE}-${STAGE}` }],
      Statistic: 'Sum',
      Threshold: 0,
    });
    assert.partialDeepStrictEqual(found.DeadLetterQueueNotEmptyAlarm?.Properties, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt('DeadLetterQueue', 'QueueName') }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    assert.partialDeepStrictEqual(found.InvitesQueueAgeAlarm?.Properties, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: getAtt('InvitesQueue', 'QueueName') }],
      Threshold: 3600,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    assert.partialDeepStrictEqual(found.WorkerErrorsAlarm?.Properties, {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref('WorkerLambdaFunction') }],
      Statistic: 'Sum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  /** An alarm's metric queries, the branches of its conditions chosen. */
  function queries(template: Template, alarmId: string) {
    const properties = resolveIf(template, alarms(template)[alarmId]?.Properties) as {
      Metrics: {
        Id: string;
        Expression?: string;
        MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown } };
      }[];
    };
    return properties.Metrics;
  }

  it('say when chunks wait and none has left the invites queue for three periods in a row', () => {
    const metrics = queries(defaults, 'DeliveryStalledAlarm');
    const queue = [{ Name: 'QueueName', Value: getAtt('InvitesQueue', 'QueueName') }];

    assert.equal(
      metrics.find((metric) => metric.Id === 'stalled')?.Expression,
      'IF(FILL(waiting, 0) + FILL(inFlight, 0) > 0 AND FILL(deleted, 0) == 0, 1, 0)',
    );
    assert.deepEqual(
      metrics.flatMap((metric) => (metric.MetricStat ? [metric.MetricStat.Metric] : [])),
      [
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesNotVisible',
        'NumberOfMessagesDeleted',
      ].map((MetricName) => ({ Namespace: 'AWS/SQS', MetricName, Dimensions: queue })),
    );
    assert.partialDeepStrictEqual(alarms(defaults).DeliveryStalledAlarm?.Properties, {
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
    });
  });

  it('say when the API answers 5xx, and when an HR event is lost on the bus it arrives on', () => {
    assert.partialDeepStrictEqual(alarms(defaults).ApiServerErrorsAlarm?.Properties, {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [
        { Name: 'ApiId', Value: ref('HttpApi') },
        { Name: 'Stage', Value: '$default' },
      ],
    });
    const rule = (template: Template) =>
      queries(template, 'HrEventsLostAlarm').find((metric) => metric.Id === 'rule')?.MetricStat
        ?.Metric.Dimensions;
    assert.deepEqual(rule(defaults), [
      { Name: 'EventBusName', Value: `${SERVICE}-${STAGE}-hr-events` },
      { Name: 'RuleName', Value: `${SERVICE}-${STAGE}-hr-events` },
    ]);
    assert.deepEqual(rule(custom), [
      { Name: 'EventBusName', Value: 'hr-events' },
      { Name: 'RuleName', Value: `${SERVICE}-${STAGE}-hr-events` },
    ]);
    assert.deepEqual(
      queries(defaults, 'HrEventsLostAlarm').find((metric) => metric.Id === 'destination')
        ?.MetricStat?.Metric,
      {
        Namespace: 'AWS/Lambda',
        MetricName: 'DestinationDeliveryFailures',
        Dimensions: [{ Name: 'FunctionName', Value: ref('IntakeLambdaFunction') }],
      },
    );
  });

  it('create no topic and notify no one without alarmEmail, and say so at deploy time', () => {
    assert.equal(evaluateCondition(defaults, 'HasAlarmEmail'), false);
    for (const logicalId of ['AlarmTopic', 'AlarmEmailSubscription', 'AlarmTopicPolicy']) {
      assert.equal(defaults.Resources[logicalId]?.Condition, 'HasAlarmEmail');
    }
    for (const alarm of Object.values(alarms(defaults))) {
      assert.equal(resolveIf(defaults, alarm.Properties.AlarmActions), undefined);
    }
    assert.match(defaultsOutput, /Warning: alarmEmail is empty: .*nobody will be told/);
    assert.doesNotMatch(customOutput, /alarmEmail is empty/);
  });

  it('publish to a topic that only CloudWatch of this account may publish to, over TLS, with kmsKeyArn', () => {
    const topic = resource(custom, 'AlarmTopic', 'AWS::SNS::Topic');

    assert.equal(resolveIf(custom, topic.Properties.KmsMasterKeyId), KMS_KEY);
    assert.deepEqual(
      resource(custom, 'AlarmTopicPolicy', 'AWS::SNS::TopicPolicy').Properties.Topics,
      [ref('AlarmTopic')],
    );
    assert.deepEqual(queuePolicyStatements(custom, 'AlarmTopicPolicy'), [
      {
        Sid: 'AlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: ref('AlarmTopic'),
        Condition: { StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') } },
      },
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:*',
        Resource: ref('AlarmTopic'),
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it('email alarmEmail through an SNS topic when it is set', () => {
    assert.equal(evaluateCondition(custom, 'HasAlarmEmail'), true);
    const subscription = resource(custom, 'AlarmEmailSubscription', 'AWS::SNS::Subscription');
    assert.deepEqual(subscription.Properties, {
      TopicArn: ref('AlarmTopic'),
      Protocol: 'email',
      Endpoint: CUSTOM_PARAMS.alarmEmail,
    });
    for (const alarm of Object.values(alarms(custom))) {
      assert.deepEqual(resolveIf(custom, alarm.Properties.AlarmActions), [ref('AlarmTopic')]);
      assert.deepEqual(resolveIf(custom, alarm.Properties.OKActions), [ref('AlarmTopic')]);
    }
  });
});

describe('an empty allowedSpaceIds', () => {
  it('is allowed with allowAnySpace, with a warning at package time', () => {
    assert.match(
      defaultsOutput,
      /Warning: allowedSpaceIds is empty: stage "ci" may invite to every re:Post Private space/,
    );
    assert.doesNotMatch(customOutput, /allowedSpaceIds is empty/);
  });

  it('fails packaging stage prod, and passes on stage dev', { timeout: 180_000 }, async () => {
    const [prod, dev] = await Promise.allSettled([
      packageService({ stage: 'prod' }),
      packageService({ stage: 'dev' }),
    ]);
    if (dev.status === 'fulfilled') await dev.value.dispose();
    if (prod.status === 'fulfilled') await prod.value.dispose();

    assert.equal(prod.status, 'rejected');
    assert.match(
      String(prod.reason),
      /allowedSpaceIds is empty for stage "prod".*--param "allowAnySpace=true"/,
    );
    assert.equal(dev.status, 'fulfilled');
    assert.match(dev.value.output, /Warning: allowedSpaceIds is empty: stage "dev"/);
  });
});

describe('the dashboard', () => {
  /** The body with each `${...}` reference written as `<...>`, and the references it makes. */
  function dashboardBody() {
    const [, dashboard] = onlyResourceOfType(defaults, 'AWS::CloudWatch::Dashboard');
    const source = (dashboard.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
    const references = [...source.matchAll(/\$\{([^}]+)\}/g)].map((match) => match[1] as string);
    const body = JSON.parse(source.replaceAll(/\$\{([^}]+)\}/g, '<$1>')) as {
      widgets: { properties: { metrics: unknown[][] } }[];
    };
    const metrics = body.widgets.flatMap((widget) =>
      widget.properties.metrics.map((row) =>
        row.filter((item) => typeof item === 'string').join(' '),
      ),
    );
    return { references, metrics };
  }

  it('charts the queues, invites, calls, throttling, dead letters, latency and intake errors', () => {
    const { metrics } = dashboardBody();
    const custom = (name: string) => `RepostInvitePipeline ${name} service ${SERVICE}-${STAGE}`;

    for (const expected of [
      'AWS/SQS ApproximateNumberOfMessagesVisible QueueName <InvitesQueue.QueueName>',
      'AWS/SQS ApproximateAgeOfOldestMessage QueueName <InvitesQueue.QueueName>',
      'AWS/SQS ApproximateNumberOfMessagesVisible QueueName <DeadLetterQueue.QueueName>',
      custom('AccessorsInvited'),
      custom('SendInvitesCalls'),
      custom('SendInvitesThrottled'),
      custom('ChunksDeadLettered'),
      custom('SendInvitesLatency'),
      'AWS/ApiGateway 4xx ApiId <HttpApi>',
      'AWS/ApiGateway 5xx ApiId <HttpApi>',
      'AWS/Lambda Throttles FunctionName <IntakeLambdaFunction>',
      'AWS/Lambda AsyncEventAge FunctionName <IntakeLambdaFunction>',
      'AWS/Lambda Errors FunctionName <StatusLambdaFunction>',
    ]) {
      assert.ok(metrics.includes(expected), `the dashboard charts ${expected}`);
    }
  });

  it('refers only to resources of this stack and pseudo parameters', () => {
    const { references } = dashboardBody();

    for (const reference of references) {
      const logicalId = reference.split('.')[0] as string;
      assert.ok(
        reference.startsWith('AWS::') || logicalId in defaults.Resources,
        `\${${reference}} resolves`,
      );
    }
  });
});

describe('the deployable artifacts', () => {
  async function bundleOf(name: keyof typeof LOGICAL_NAMES) {
    const artifactsDir = packaged[0]?.artifactsDir as string;
    const zip = await readFile(path.join(artifactsDir, `${name}.zip`));
    const entries = listZipEntries(zip);
    const bundle = entries.find((entry) => entry.name === `functions/${name}/handler.mjs`);
    assert.ok(bundle, `${name}.zip holds functions/${name}/handler.mjs`);
    return { artifactsDir, zip, entries, bundle };
  }

  it('are one zip per function, each holding a single bundle under 400 KB', async (t) => {
    for (const name of ['intake', 'worker', 'status'] as const) {
      const { zip, entries, bundle } = await bundleOf(name);

      t.diagnostic(`${name}: zip ${kib(zip.length)}, bundle ${kib(bundle.bytes)}`);
      assert.equal(entries.length, 1, `${name}.zip holds the bundle and nothing else`);
      assert.ok(
        bundle.bytes <= MAX_BUNDLE_BYTES,
        `${name} bundle is ${kib(bundle.bytes)}, over ${kib(MAX_BUNDLE_BYTES)}`,
      );
    }
  });

  it('load as ES modules on Node 24 and export the handler, with nothing left outside the zip', async () => {
    for (const name of ['intake', 'worker', 'status'] as const) {
      const { artifactsDir, zip, bundle } = await bundleOf(name);
      // Outside the service copy, so a module missing from the bundle cannot resolve from
      // node_modules.
      const loadDir = await mkdtemp(path.join(artifactsDir, `${name}-`));
      const file = path.join(loadDir, 'handler.mjs');
      await writeFile(file, readZipEntry(zip, bundle));

      const { stdout } = await execFileAsync(
        process.execPath,
        [
          '--input-type=module',
          '--eval',
          `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(typeof m.handler);`,
        ],
        { cwd: loadDir, env: LAMBDA_ENVIRONMENT },
      );
      assert.equal(stdout.trim(), 'function', `${name} exports handler`);
    }
  });
});

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

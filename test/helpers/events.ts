import type {
  APIGatewayProxyEventV2,
  Context,
  EventBridgeEvent,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

let sequence = 0;
function nextId(prefix: string): string {
  sequence++;
  return `${prefix}-${sequence.toString().padStart(6, '0')}`;
}

/** An API Gateway HTTP API (payload format 2.0) request for the invite route. */
export function httpInviteEvent(
  options: {
    spaceId?: string;
    body?: unknown;
    rawBody?: string;
    method?: string;
    headers?: Record<string, string>;
    isBase64Encoded?: boolean;
  } = {},
): APIGatewayProxyEventV2 {
  const spaceId = options.spaceId ?? 'SPEXAMPLE00000000000000';
  const method = options.method ?? 'POST';
  const body =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const requestId = nextId('req');
  return {
    version: '2.0',
    routeKey: 'POST /spaces/{spaceId}/invite',
    rawPath: `/spaces/${encodeURIComponent(spaceId)}/invite`,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    pathParameters: { spaceId },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: {
        method,
        path: `/spaces/${encodeURIComponent(spaceId)}/invite`,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test',
      },
      requestId,
      routeKey: 'POST /spaces/{spaceId}/invite',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/** An EventBridge event as the rule delivers it to the intake. */
export function hrEvent(
  detailType: string,
  detail: unknown,
  source = 'hr.events',
): EventBridgeEvent<string, unknown> {
  return {
    version: '0',
    id: nextId('evt'),
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: new Date().toISOString(),
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

/** An SQS record as the event source mapping delivers it. */
export function sqsRecord(
  body: string,
  options: { receiveCount?: number; messageId?: string } = {},
): SQSRecord {
  const messageId = options.messageId ?? nextId('msg');
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDATEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:invites',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

/** A Lambda context whose remaining time is what the test says. */
export function lambdaContext(remainingMs: () => number = () => 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'test-function',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:test-function',
    memoryLimitInMB: '256',
    awsRequestId: nextId('lambda'),
    logGroupName: '/aws/lambda/test-function',
    logStreamName: 'test',
    getRemainingTimeInMillis: remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

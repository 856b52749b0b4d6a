import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  ACCESSOR_PAGE_LIMITS,
  ANSWER_RESERVE_MS,
  createStatusHandler,
  POLL_AFTER_SECONDS,
} from '../../../functions/status/status.ts';
import { VALIDATION_REASONS } from '../../../shared/domain/constants.ts';
import { InviteValidationError } from '../../../shared/domain/errors.ts';
import type { AccessorPage, LedgerReader } from '../../../shared/domain/ports.ts';
import type {
  AccessorResultKind,
  PartSummary,
  RequestRecord,
} from '../../../shared/domain/request-record.ts';
import { lambdaContext } from '../../helpers/events.ts';
import { captureOutput, silentLogger } from '../../helpers/logs.ts';

const NOW = Date.parse('2026-05-01T12:00:00.000Z');
const REQUEST_ID = 'JcXb9gDAIAMEPJQ=';

/** The narrow reader the status function owns, answering from maps and recording its calls. */
class FakeLedgerReader implements LedgerReader {
  readonly records = new Map<string, RequestRecord>();
  readonly partsOf = new Map<string, PartSummary[]>();
  readonly pages = new Map<string, AccessorPage>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  failWith: Error | undefined;

  async request(requestId: string, now: number) {
    this.calls.push({ method: 'request', args: [requestId, now] });
    if (this.failWith) throw this.failWith;
    const record = this.records.get(requestId);
    return record && record.expiresAt > now ? record : undefined;
  }

  async parts(requestId: string) {
    this.calls.push({ method: 'parts', args: [requestId] });
    return this.partsOf.get(requestId) ?? [];
  }

  async accessors(
    requestId: string,
    kind: AccessorResultKind,
    page: { limit: number; nextToken?: string },
  ) {
    const { limit, nextToken } = page;
    this.calls.push({
      method: 'accessors',
      args: [requestId, kind, { limit, ...(nextToken === undefined ? {} : { nextToken }) }],
    });
    if (page.nextToken === 'refused') {
      throw new InviteValidationError(
        'nextToken is not one this API handed out for this request and status',
        VALIDATION_REASONS.fieldValidationFailed,
        [{ name: 'nextToken', message: 'nextToken is invalid' }],
      );
    }
    return this.pages.get(kind) ?? { items: [] };
  }
}

function record(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: REQUEST_ID,
    spaceId: 'SPSTATUS0000000000000001',
    source: 'http',
    requestedBy: 'arn:aws:iam::123456789012:user/status',
    accessorCount: 10,
    partCount: 2,
    createdAt: NOW - 60_000,
    expiresAt: NOW + 30 * 86_400_000,
    ...overrides,
  };
}

function part(overrides: Partial<PartSummary> & { part: number }): PartSummary {
  return {
    outcome: 'delivered',
    invited: 0,
    skipped: 0,
    failed: 0,
    updatedAt: NOW - 30_000,
    ...overrides,
  };
}

/** A payload format 2.0 event for one of the status routes, as API Gateway builds it. */
function statusEvent(
  options: {
    requestId?: string | undefined;
    accessors?: boolean;
    query?: Record<string, string>;
    method?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const requestId = 'requestId' in options ? options.requestId : REQUEST_ID;
  const route = options.accessors ? '/requests/{requestId}/accessors' : '/requests/{requestId}';
  const method = options.method ?? 'GET';
  const path = route.replace('{requestId}', encodeURIComponent(requestId ?? ''));
  const query = options.query;
  return {
    version: '2.0',
    routeKey: `GET ${route}`,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    headers: {},
    ...(query ? { queryStringParameters: query } : {}),
    ...(requestId === undefined ? {} : { pathParameters: { requestId } }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api1234567',
      domainName: 'api1234567.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'api1234567',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'status-call-1',
      routeKey: `GET ${route}`,
      stage: '$default',
      time: new Date(NOW).toUTCString(),
      timeEpoch: NOW,
    },
    isBase64Encoded: false,
  };
}

function setup(logger: Logger = silentLogger()) {
  const ledger = new FakeLedgerReader();
  const handler = createStatusHandler({ ports: { ledger }, logger, now: () => NOW });
  async function call(event: APIGatewayProxyEventV2) {
    const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
    return {
      status: response.statusCode,
      headers: response.headers ?? {},
      body: JSON.parse(response.body ?? '') as Record<string, unknown>,
    };
  }
  return { ledger, call };
}

describe('GET /requests/{requestId}', () => {
  it("answers 200 with exactly the contract's keys, counts and failures", async () => {
    const { ledger, call } = setup();
    ledger.records.set(REQUEST_ID, record({ accessorCount: 10 }));
    ledger.partsOf.set(REQUEST_ID, [
      part({ part: 1, invited: 4, skipped: 1, updatedAt: NOW - 20_000 }),
      part({
        part: 2,
        outcome: 'failed',
        failed: 3,
        errorType: 'AccessDeniedException',
        errorMessage: 'Not allowed',
        updatedAt: NOW - 10_000,
      }),
    ]);

    const { status, headers, body } = await call(statusEvent());

    assert.equal(status, 200);
    assert.match(String(headers['content-type']), /^application\/json/);
    assert.deepEqual(Object.keys(body), [
      'requestId',
      'spaceId',
      'source',
      'requestedBy',
      'status',
      'createdAt',
      'updatedAt',
      'expiresAt',
      'accessors',
      'failures',
    ]);
    assert.deepEqual(body, {
      requestId: REQUEST_ID,
      spaceId: 'SPSTATUS0000000000000001',
      source: 'http',
      requestedBy: 'arn:aws:iam::123456789012:user/status',
      status: 'Running',
      createdAt: '2026-05-01T11:59:00.000Z',
      updatedAt: '2026-05-01T11:59:50.000Z',
      expiresAt: '2026-05-31T12:00:00.000Z',
      accessors: { total: 10, invited: 4, skipped: 1, pending: 2, failed: 3 },
      failures: [
        { errorType: 'AccessDeniedException', errorMessage: 'Not allowed', accessorCount: 3 },
      ],
    });
    assert.deepEqual(
      ledger.calls.map(({ method, args }) => [method, args[0]]),
      [
        ['request', REQUEST_ID],
        ['parts', REQUEST_ID],
      ],
    );
  });

  const RULES: {
    name: string;
    accessorCount: number;
    parts: PartSummary[];
    status: string;
  }[] = [
    {
      name: 'Running while anything is pending, failures or not',
      accessorCount: 5,
      parts: [part({ part: 1, outcome: 'failed', failed: 4, errorType: 'X' })],
      status: 'Running',
    },
    {
      name: 'Running before any part is settled',
      accessorCount: 5,
      parts: [],
      status: 'Running',
    },
    {
      name: 'Succeeded when every accessor was invited',
      accessorCount: 5,
      parts: [part({ part: 1, invited: 3 }), part({ part: 2, invited: 2 })],
      status: 'Succeeded',
    },
    {
      name: 'Succeeded when every accessor was invited or skipped',
      accessorCount: 5,
      parts: [part({ part: 1, invited: 2, skipped: 3 })],
      status: 'Succeeded',
    },
    {
      name: 'Failed when nothing was invited or skipped',
      accessorCount: 5,
      parts: [
        part({ part: 1, outcome: 'failed', failed: 2, errorType: 'A' }),
        part({ part: 2, outcome: 'failed', failed: 3, errorType: 'B' }),
      ],
      status: 'Failed',
    },
    {
      name: 'CompletedWithErrors when some were invited and some failed',
      accessorCount: 5,
      parts: [part({ part: 1, invited: 4 }), part({ part: 2, outcome: 'failed', failed: 1 })],
      status: 'CompletedWithErrors',
    },
    {
      name: 'CompletedWithErrors when some were only skipped and the rest failed',
      accessorCount: 5,
      parts: [part({ part: 1, skipped: 1 }), part({ part: 2, outcome: 'failed', failed: 4 })],
      status: 'CompletedWithErrors',
    },
  ];

  for (const rule of RULES) {
    it(`answers ${rule.name}, with Retry-After only while Running`, async () => {
      const { ledger, call } = setup();
      ledger.records.set(REQUEST_ID, record({ accessorCount: rule.accessorCount }));
      ledger.partsOf.set(REQUEST_ID, rule.parts);

      const { status, headers, body } = await call(statusEvent());

      assert.equal(status, 200);
      assert.equal(body.status, rule.status);
      const counts = body.accessors as Record<string, number>;
      assert.equal(
        counts.total,
        (counts.invited ?? 0) +
          (counts.skipped ?? 0) +
          (counts.pending ?? 0) +
          (counts.failed ?? 0),
      );
      if (rule.status === 'Running') {
        assert.equal(headers['retry-after'], String(POLL_AFTER_SECONDS));
      } else {
        assert.equal(headers['retry-after'], undefined);
      }
    });
  }

  it('answers 404 ResourceNotFoundException, shaped like the service, for unknown and expired requests', async () => {
    const { ledger, call } = setup();
    ledger.records.set('expired-1', record({ requestId: 'expired-1', expiresAt: NOW }));

    for (const requestId of ['unknown-1', 'expired-1']) {
      for (const accessors of [false, true]) {
        const { status, headers, body } = await call(statusEvent({ requestId, accessors }));

        assert.equal(status, 404);
        assert.equal(headers['x-amzn-errortype'], 'ResourceNotFoundException');
        assert.equal(headers['retry-after'], undefined);
        assert.deepEqual(Object.keys(body).sort(), ['message', 'resourceId', 'resourceType']);
        assert.equal(body.resourceId, requestId);
        assert.equal(body.resourceType, 'request');
        assert.match(String(body.message), /not found/);
      }
    }
    assert.ok(
      ledger.calls.every((entry) => entry.method === 'request'),
      'nothing else is read for a request that is not there',
    );
  });

  it('answers 400 ValidationException for a requestId that cannot be one, without reading the ledger', async () => {
    const { ledger, call } = setup();
    const bad = [
      undefined,
      '',
      'a/b',
      'a b',
      'x'.repeat(129),
      'é',
      '😀',
      'a%2Fb',
      'id\n',
      'id\u0000',
      '?x=1',
      'a#b',
    ];

    for (const requestId of bad) {
      for (const accessors of [false, true]) {
        const { status, headers, body } = await call(statusEvent({ requestId, accessors }));

        assert.equal(status, 400, `requestId ${JSON.stringify(requestId)}`);
        assert.equal(headers['x-amzn-errortype'], 'ValidationException');
        assert.equal(body.reason, 'fieldValidationFailed');
        assert.deepEqual(
          (body.fieldList as { name: string }[]).map((field) => field.name),
          ['requestId'],
        );
      }
    }
    assert.deepEqual(ledger.calls, []);
  });

  it('accepts request IDs as API Gateway and EventBridge make them, up to 128 characters', async () => {
    const { ledger, call } = setup();
    const good = [
      'JcXb9gDAIAMEPJQ=',
      '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'a',
      'x'.repeat(128),
      'a.b:c+d=e_f-g',
    ];
    for (const requestId of good) ledger.records.set(requestId, record({ requestId }));

    for (const requestId of good) {
      const { status, body } = await call(statusEvent({ requestId }));

      assert.equal(status, 200, requestId);
      assert.equal(body.requestId, requestId);
    }
  });

  it('answers 405 with Allow: GET to every other method, on both routes', async () => {
    const { ledger, call } = setup();
    ledger.records.set(REQUEST_ID, record());

    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get']) {
      for (const accessors of [false, true]) {
        const { status, headers, body } = await call(statusEvent({ method, accessors }));

        assert.equal(status, 405, method);
        assert.equal(headers.allow, 'GET');
        assert.equal(headers['x-amzn-errortype'], 'MethodNotAllowedException');
        assert.equal(typeof body.message, 'string');
      }
    }
    assert.deepEqual(ledger.calls, []);
  });

  it('answers 500 naming only its type when the ledger fails, and logs the error', async () => {
    const logger = new Logger({ serviceName: 'status-test', logLevel: 'INFO' });
    const { ledger, call } = setup(logger);
    ledger.failWith = new Error('DynamoDB is down at 10.0.0.7');

    const { result, output } = await captureOutput(() => call(statusEvent()));

    assert.equal(result.status, 500);
    assert.equal(result.headers['x-amzn-errortype'], 'InternalServerException');
    assert.deepEqual(result.body, { message: 'Internal error' });
    assert.match(output, /Status request failed unexpectedly/);
  });
});

describe('a ledger slower than the function', () => {
  it('answers the contract 500 before the function times out, and logs why', {
    timeout: 5_000,
  }, async () => {
    const logger = new Logger({ serviceName: 'status-test', logLevel: 'INFO' });
    const ledger = new FakeLedgerReader();
    ledger.request = () => new Promise<never>(() => undefined);
    const handler = createStatusHandler({ ports: { ledger }, logger, now: () => NOW });
    const remainingMs = ANSWER_RESERVE_MS + 50;

    const { result, output } = await captureOutput(
      () =>
        handler(
          statusEvent(),
          lambdaContext(() => remainingMs),
        ) as Promise<APIGatewayProxyStructuredResultV2>,
    );

    assert.equal(result.statusCode, 500);
    assert.equal(result.headers?.['x-amzn-errortype'], 'InternalServerException');
    assert.match(output, /Status request ran out of time waiting for the ledger/);
  });
});

describe('GET /requests/{requestId}/accessors', () => {
  function withRequest() {
    const context = setup();
    context.ledger.records.set(REQUEST_ID, record());
    return context;
  }

  const accessorCall = (ledger: FakeLedgerReader) =>
    ledger.calls.filter((entry) => entry.method === 'accessors').map((entry) => entry.args);

  it('lists failed accessors 100 at a time by default', async () => {
    const { ledger, call } = withRequest();
    const page = {
      items: [{ accessorId: 'a-1', errorType: 'AccessDeniedException', errorMessage: 'No' }],
      nextToken: 'tok_en-1',
    };
    ledger.pages.set('failed', page);

    const { status, headers, body } = await call(statusEvent({ accessors: true }));

    assert.equal(status, 200);
    assert.equal(headers['retry-after'], undefined);
    assert.deepEqual(body, page);
    assert.deepEqual(accessorCall(ledger), [
      [REQUEST_ID, 'failed', { limit: ACCESSOR_PAGE_LIMITS.default }],
    ]);
    assert.equal(ACCESSOR_PAGE_LIMITS.default, 100);
  });

  it('passes status, limit and nextToken through, and leaves nextToken out of the last page', async () => {
    const { ledger, call } = withRequest();
    ledger.pages.set('skipped', { items: [{ accessorId: 's-1' }] });

    const { status, body } = await call(
      statusEvent({
        accessors: true,
        query: { status: 'skipped', limit: '1000', nextToken: 'eyJzayI6IkxJU1QjIn0' },
      }),
    );
    const lowest = await call(statusEvent({ accessors: true, query: { limit: '1' } }));

    assert.equal(status, 200);
    assert.deepEqual(body, { items: [{ accessorId: 's-1' }] });
    assert.equal(lowest.status, 200);
    assert.deepEqual(accessorCall(ledger), [
      [REQUEST_ID, 'skipped', { limit: 1000, nextToken: 'eyJzayI6IkxJU1QjIn0' }],
      [REQUEST_ID, 'failed', { limit: 1 }],
    ]);
  });

  const BAD_QUERIES: { query: Record<string, string>; field: string }[] = [
    { query: { status: 'invited' }, field: 'status' },
    { query: { status: 'FAILED' }, field: 'status' },
    { query: { status: '' }, field: 'status' },
    { query: { status: 'failed,skipped' }, field: 'status' },
    { query: { limit: '0' }, field: 'limit' },
    { query: { limit: '1001' }, field: 'limit' },
    { query: { limit: 'abc' }, field: 'limit' },
    { query: { limit: '-1' }, field: 'limit' },
    { query: { limit: '1e3' }, field: 'limit' },
    { query: { limit: '10.5' }, field: 'limit' },
    { query: { limit: ' 10' }, field: 'limit' },
    { query: { limit: '' }, field: 'limit' },
    { query: { limit: '99999999999999999999' }, field: 'limit' },
    { query: { limit: '10,20' }, field: 'limit' },
    { query: { nextToken: '' }, field: 'nextToken' },
    { query: { nextToken: 'not a token' }, field: 'nextToken' },
    { query: { nextToken: 'a+b/c=' }, field: 'nextToken' },
    { query: { nextToken: 'x'.repeat(2_049) }, field: 'nextToken' },
  ];

  for (const { query, field } of BAD_QUERIES) {
    it(`answers 400 naming ${field} for ${JSON.stringify(query).slice(0, 60)}`, async () => {
      const { ledger, call } = withRequest();

      const { status, headers, body } = await call(statusEvent({ accessors: true, query }));

      assert.equal(status, 400);
      assert.equal(headers['x-amzn-errortype'], 'ValidationException');
      assert.deepEqual(
        (body.fieldList as { name: string }[]).map((entry) => entry.name),
        [field],
      );
      assert.equal(accessorCall(ledger).length, 0);
    });
  }

  it('answers 400 for a well-formed nextToken the reader refuses', async () => {
    const { call } = withRequest();

    const { status, headers, body } = await call(
      statusEvent({ accessors: true, query: { nextToken: 'refused' } }),
    );

    assert.equal(status, 400);
    assert.equal(headers['x-amzn-errortype'], 'ValidationException');
    assert.deepEqual(body.fieldList, [{ name: 'nextToken', message: 'nextToken is invalid' }]);
  });

  it('answers the status route the same whatever query it carries', async () => {
    const { ledger, call } = withRequest();

    const { status, body } = await call(statusEvent({ query: { limit: '0', status: 'x' } }));

    assert.equal(status, 200);
    assert.equal(body.requestId, REQUEST_ID);
    assert.equal(accessorCall(ledger).length, 0);
  });
});

describe('what the status function logs', () => {
  it('never logs accessor IDs or the reasons listed with them, even at DEBUG', async () => {
    const logger = new Logger({ serviceName: 'status-test', logLevel: 'DEBUG' });
    const { ledger, call } = setup(logger);
    ledger.records.set(REQUEST_ID, record());
    ledger.partsOf.set(REQUEST_ID, [
      part({ part: 1, outcome: 'failed', failed: 2, errorMessage: 'PRIVATE-REASON-k2Vq' }),
    ]);
    ledger.pages.set('failed', {
      items: [
        { accessorId: 'PRIVATE-ID-w8Rt@example.com', errorMessage: 'PRIVATE-REASON-k2Vq' },
        { accessorId: 'PRIVATE-ID-j4Ln@example.com' },
      ],
      nextToken: 'abc',
    });

    const { output } = await captureOutput(async () => {
      await call(statusEvent());
      await call(statusEvent({ accessors: true }));
      await call(statusEvent({ accessors: true, query: { limit: '0' } }));
      await call(statusEvent({ requestId: 'unknown-2', accessors: true }));
      await call(statusEvent({ method: 'POST' }));
    });

    assert.match(output, /Status request refused/, 'the capture saw the log lines');
    assert.doesNotMatch(output, /PRIVATE-ID|w8Rt|j4Ln|PRIVATE-REASON/);
  });
});

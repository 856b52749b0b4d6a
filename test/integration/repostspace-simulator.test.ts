import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { type TestContext, test } from 'node:test';
import {
  type RepostspaceSimulatorOptions,
  startRepostspaceSimulator,
} from '../../infra/local/repostspace-simulator/index.ts';
import {
  InternalServerException,
  RepostspaceClient,
  type RepostspaceClientOptions,
  RepostspaceServiceException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '../../shared/adapters/repostspace/index.ts';
import type { SendInvitesInput } from '../../shared/domain/ports.ts';
import { rejectionOf } from '../helpers/rejection-of.ts';

const INPUT: SendInvitesInput = {
  spaceId: 'space-1',
  accessorIds: ['alice', 'bob'],
  title: 'Welcome',
  body: 'Join our private re:Post.',
};

/** Well-formed but not verifiable: the simulator checks the shape and scope, not the secret. */
const SIGNED_LOOKING_HEADERS = {
  authorization: `AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/repostspace/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'0'.repeat(64)}`,
  'x-amz-date': '20260101T000000Z',
  'content-type': 'application/json',
};

async function startSimulator(t: TestContext, options: RepostspaceSimulatorOptions = {}) {
  const simulator = await startRepostspaceSimulator({ port: 0, ...options });
  t.after(() => simulator.stop());
  return simulator;
}

function clientFor(t: TestContext, url: string, options: Partial<RepostspaceClientOptions> = {}) {
  const client = new RepostspaceClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    ...options,
  });
  t.after(() => client.destroy());
  return client;
}

/** Draws the given values in turn, then values that inject nothing. */
function draws(...values: number[]): () => number {
  return () => values.shift() ?? 0.999;
}

test('delivers a signed SendInvites call and records it', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { now: () => 1_700_000_000_000 });
  const client = clientFor(t, simulator.url);

  // Act
  const output = await client.sendInvites(INPUT);

  // Assess
  assert.match(output.requestId ?? '', /^[0-9a-f-]{36}$/);
  assert.deepEqual(simulator.deliveries.recent(), [
    { ...INPUT, requestId: output.requestId, at: 1_700_000_000_000 },
  ]);
  assert.equal(simulator.deliveries.count('space-1', 'alice'), 1);
  assert.equal(simulator.deliveries.count('space-1', 'carol'), 0);
  assert.deepEqual(simulator.stats(), {
    calls: 1,
    deliveries: 1,
    deliveredAccessors: 2,
    distinctAccessors: 2,
    duplicateAccessors: 0,
    throttled: 0,
    internalErrors: 0,
    dropped: 0,
    hung: 0,
    lostAnswers: 0,
    lostAnswerAccessors: 0,
    rejected: 0,
  });
});

test('counts title and body in code points: 200 emoji pass, 201 are refused', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url);

  // Act
  await client.sendInvites({ ...INPUT, title: '😀'.repeat(200), body: '😀'.repeat(600) });
  const error = await rejectionOf(client.sendInvites({ ...INPUT, title: '😀'.repeat(201) }));

  // Assess
  assert.ok(error instanceof ValidationException);
  assert.equal(error.reason, 'fieldValidationFailed');
  assert.deepEqual(error.fieldList, [
    { name: 'title', message: 'Member must have length less than or equal to 200' },
  ]);
  assert.doesNotMatch(error.message, /😀/);
  assert.equal(simulator.stats().deliveries, 1);
  assert.equal(simulator.stats().rejected, 1);
});

test('lists every invalid field at once', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url);
  const accessorIds = Array.from({ length: 1001 }, (_, index) => `user-${index}`);

  // Act
  const error = await rejectionOf(
    client.sendInvites({ spaceId: 'bad/space', accessorIds, title: '', body: 'x'.repeat(601) }),
  );

  // Assess
  assert.ok(error instanceof ValidationException);
  assert.equal(error.reason, 'fieldValidationFailed');
  assert.deepEqual(
    error.fieldList?.map((field) => field.name),
    ['spaceId', 'accessorIds', 'title', 'body'],
  );
  assert.match(error.message, /^4 validation errors detected/);
  assert.equal(simulator.stats().deliveredAccessors, 0);
});

test('accepts an empty accessor list, as the service model allows', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url);

  // Act
  await client.sendInvites({ ...INPUT, accessorIds: [] });

  // Assess
  assert.equal(simulator.stats().deliveries, 1);
  assert.equal(simulator.stats().deliveredAccessors, 0);
});

test('refuses a body that is not JSON, or of the wrong types, as cannotParse', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const url = `${simulator.url}/spaces/space-1/invite`;

  // Act
  const notJson = await fetch(url, {
    method: 'POST',
    headers: SIGNED_LOOKING_HEADERS,
    body: '{"accessorIds":',
  });
  const wrongTypes = await fetch(url, {
    method: 'POST',
    headers: SIGNED_LOOKING_HEADERS,
    body: JSON.stringify({ accessorIds: [1], title: 'x', body: 'y' }),
  });

  // Assess
  assert.equal(notJson.status, 400);
  assert.equal(notJson.headers.get('x-amzn-errortype'), 'ValidationException');
  assert.deepEqual(await notJson.json(), {
    message: 'Could not parse the request body as JSON',
    reason: 'cannotParse',
    fieldList: [],
  });
  assert.equal(wrongTypes.status, 400);
  const wrongTypesBody = (await wrongTypes.json()) as { reason: string; fieldList: unknown };
  assert.equal(wrongTypesBody.reason, 'cannotParse');
  assert.deepEqual(wrongTypesBody.fieldList, [
    { name: 'accessorIds', message: 'Expected a list of strings' },
  ]);
});

test('answers ResourceNotFoundException for a space it does not know', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { knownSpaceIds: ['space-1'] });
  const client = clientFor(t, simulator.url);

  // Act
  await client.sendInvites(INPUT);
  const error = await rejectionOf(client.sendInvites({ ...INPUT, spaceId: 'space-2' }));

  // Assess
  assert.ok(error instanceof ResourceNotFoundException);
  assert.equal(error.resourceId, 'space-2');
  assert.equal(error.resourceType, 'space');
  assert.equal(simulator.stats().deliveries, 1);
  assert.equal(simulator.deliveries.count('space-2', 'alice'), 0);
});

test('knows a space from the call after setKnownSpaceIds names it', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { knownSpaceIds: ['space-1'] });
  const client = clientFor(t, simulator.url);
  const before = await rejectionOf(client.sendInvites({ ...INPUT, spaceId: 'space-2' }));

  // Act
  simulator.setKnownSpaceIds(['space-1', 'space-2']);
  await client.sendInvites({ ...INPUT, spaceId: 'space-2' });

  // Assess
  assert.ok(before instanceof ResourceNotFoundException);
  assert.equal(simulator.deliveries.count('space-2', 'alice'), 1);
});

test('refuses an unsigned request with 403 MissingAuthenticationTokenException, as AWS does', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);

  // Act
  const response = await fetch(`${simulator.url}/spaces/space-1/invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(INPUT),
  });

  // Assess
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
  assert.deepEqual(await response.json(), { message: 'Missing Authentication Token' });
  assert.equal(simulator.stats().rejected, 1);
  assert.equal(simulator.stats().deliveries, 0);
});

test('refuses a signature scoped to another service or region, or missing the host, with the type AWS gives', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { region: 'us-east-1' });
  const url = `${simulator.url}/spaces/space-1/invite`;
  const body = JSON.stringify(INPUT);
  const otherService = SIGNED_LOOKING_HEADERS.authorization.replace('/repostspace/', '/sqs/');
  const otherRegion = SIGNED_LOOKING_HEADERS.authorization.replace('/us-east-1/', '/eu-west-1/');
  const noHost = SIGNED_LOOKING_HEADERS.authorization.replace(';host', '');

  // Act
  const statuses = await Promise.all(
    [otherService, otherRegion, noHost, 'Bearer token'].map(async (authorization) => {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...SIGNED_LOOKING_HEADERS, authorization },
        body,
      });
      return [response.status, response.headers.get('x-amzn-errortype')];
    }),
  );

  // Assess
  assert.deepEqual(statuses, [
    [403, 'InvalidSignatureException'],
    [403, 'InvalidSignatureException'],
    [403, 'IncompleteSignatureException'],
    [403, 'IncompleteSignatureException'],
  ]);
});

test('answers 404 UnknownOperationException to any other route', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, `${simulator.url}/elsewhere`);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));
  const wrongMethod = await fetch(`${simulator.url}/spaces/space-1/invite`, {
    headers: SIGNED_LOOKING_HEADERS,
  });

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'UnknownOperationException');
  assert.equal(error.$metadata.httpStatusCode, 404);
  assert.equal(wrongMethod.status, 404);
  assert.equal(wrongMethod.headers.get('x-amzn-errortype'), 'UnknownOperationException');
});

test('throttles exactly the calls beyond the burst and refills at the configured rate', async (t) => {
  // Prepare
  let now = 0;
  const throttle = { ratePerSecond: 2, burst: 5, retryAfterSeconds: 3, quotaCode: 'L-TEST' };
  const simulator = await startSimulator(t, { throttle, now: () => now });
  const client = clientFor(t, simulator.url);
  const burst = Array.from({ length: 8 }, (_, index) => ({
    ...INPUT,
    accessorIds: [`user-${index}`],
  }));

  // Act
  const outcomes = await Promise.allSettled(burst.map((input) => client.sendInvites(input)));
  now += 500;
  const afterOneToken = await Promise.allSettled([
    client.sendInvites(INPUT),
    client.sendInvites(INPUT),
  ]);

  // Assess
  const throttled = outcomes.filter((outcome) => outcome.status === 'rejected');
  assert.equal(throttled.length, 3);
  for (const outcome of throttled) {
    const error = outcome.reason;
    assert.ok(error instanceof ThrottlingException);
    assert.equal(error.retryAfterSeconds, 3);
    assert.equal(error.serviceCode, 'repostspace');
    assert.equal(error.quotaCode, 'L-TEST');
  }
  assert.deepEqual(afterOneToken.map((outcome) => outcome.status).sort(), [
    'fulfilled',
    'rejected',
  ]);
  assert.equal(simulator.stats().throttled, 4);
  assert.equal(simulator.stats().deliveries, 6);
});

test('injects a 500 with Retry-After and delivers nothing for it', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, {
    faults: { internalErrorRate: 0.5, retryAfterSeconds: 9 },
    random: draws(0.2, 0.7),
  });
  const client = clientFor(t, simulator.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));
  await client.sendInvites(INPUT);

  // Assess
  assert.ok(error instanceof InternalServerException);
  assert.equal(error.retryAfterSeconds, 9);
  assert.equal(simulator.stats().internalErrors, 1);
  assert.equal(simulator.deliveries.count('space-1', 'alice'), 1);
});

test('drops the connection and the client sees a NetworkingError', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, {
    faults: { internalErrorRate: 0.1, dropConnectionRate: 0.2 },
    random: draws(0.15),
  });
  const client = clientFor(t, simulator.url, { requestTimeoutMs: 1_000 });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'NetworkingError');
  assert.equal(simulator.stats().dropped, 1);
  assert.equal(simulator.stats().deliveries, 0);
});

test('delivers a call and then loses its answer: the client sees a NetworkingError all the same', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, {
    faults: { dropConnectionRate: 0.2, lostAnswerRate: 0.2 },
    random: draws(0.3),
  });
  const client = clientFor(t, simulator.url, { requestTimeoutMs: 1_000 });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'NetworkingError');
  const stats = simulator.stats();
  assert.deepEqual([stats.dropped, stats.lostAnswers, stats.deliveries], [0, 1, 1]);
  assert.equal(stats.lostAnswerAccessors, INPUT.accessorIds.length);
  assert.equal(simulator.deliveries.count(INPUT.spaceId, INPUT.accessorIds[0] as string), 1);
});

test('hangs a call until the client gives up, and still stops', { timeout: 5_000 }, async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { faults: { hangRate: 1 } });
  const client = clientFor(t, simulator.url, { requestTimeoutMs: 100 });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'TimeoutError');
  assert.equal(simulator.stats().hung, 1);
  assert.equal(simulator.stats().deliveries, 0);
});

test('changes faults while running', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { faults: { internalErrorRate: 1 } });
  const client = clientFor(t, simulator.url);
  await rejectionOf(client.sendInvites(INPUT));

  // Act
  simulator.setFaults({});
  await client.sendInvites(INPUT);

  // Assess
  assert.equal(simulator.stats().internalErrors, 1);
  assert.equal(simulator.stats().deliveries, 1);
  assert.throws(() => simulator.setFaults({ hangRate: 0.6, dropConnectionRate: 0.6 }), RangeError);
});

test('counts every (space, accessor) delivery so a test can assert exactly once', async (t) => {
  // Prepare
  const simulator = await startSimulator(t, { recentDeliveryLimit: 2 });
  const client = clientFor(t, simulator.url);

  // Act
  await client.sendInvites({ ...INPUT, accessorIds: ['a', 'b'] });
  await client.sendInvites({ ...INPUT, accessorIds: ['c', 'a'] });
  await client.sendInvites({ ...INPUT, spaceId: 'space-2', accessorIds: ['a'] });

  // Assess
  assert.equal(simulator.deliveries.count('space-1', 'a'), 2);
  assert.equal(simulator.deliveries.count('space-1', 'b'), 1);
  assert.equal(simulator.deliveries.count('space-2', 'a'), 1);
  assert.deepEqual(simulator.deliveries.duplicates(), [
    { spaceId: 'space-1', accessorId: 'a', count: 2 },
  ]);
  const stats = simulator.stats();
  assert.equal(stats.deliveredAccessors, 5);
  assert.equal(stats.distinctAccessors, 4);
  assert.equal(stats.duplicateAccessors, 1);
  assert.deepEqual(
    simulator.deliveries.recent().map((delivery) => delivery.accessorIds),
    [['c', 'a'], ['a']],
  );
});

test('waits for deliveries without polling, and gives up when told to', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url);
  const threeDelivered = simulator.waitForDeliveredAccessors(3);
  const abandoned = new AbortController();
  const neverDelivered = simulator.waitForDeliveredAccessors(100, { signal: abandoned.signal });

  // Act
  await client.sendInvites(INPUT);
  await client.sendInvites({ ...INPUT, accessorIds: ['carol'] });
  abandoned.abort(new Error('gave up'));

  // Assess
  assert.equal((await threeDelivered).deliveredAccessors, 3);
  await assert.rejects(neverDelivered, /gave up/);
});

test('accepts what the AWS CLI sends: chunked bodies and Expect: 100-continue', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const body = JSON.stringify({ accessorIds: ['dave'], title: 't', body: 'b' });
  const send = (headers: Record<string, string>) =>
    new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        `${simulator.url}/spaces/space-1/invite`,
        {
          method: 'POST',
          headers: { ...SIGNED_LOOKING_HEADERS, 'user-agent': 'aws-cli/2.27.0', ...headers },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
        },
      );
      request.on('error', reject);
      if (headers.expect === undefined) {
        request.write(body.slice(0, 10));
        request.end(body.slice(10));
      } else {
        request.on('continue', () => request.end(body));
      }
    });

  // Act
  const chunked = await send({ 'transfer-encoding': 'chunked' });
  const continued = await send({ expect: '100-continue', 'content-length': String(body.length) });

  // Assess
  assert.deepEqual([chunked, continued], [200, 200]);
  assert.equal(simulator.deliveries.count('space-1', 'dave'), 2);
});

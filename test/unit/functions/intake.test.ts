import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { createIntakeHandler } from '../../../functions/intake/intake.ts';
import { readIntakeConfig } from '../../../shared/config/intake-config.ts';
import { SETTLE_BUDGET_MS } from '../../../shared/domain/accept-invite-request.ts';
import { AccessorIdsText } from '../../../shared/domain/accessor-ids-text.ts';
import { decodeInviteChunk } from '../../../shared/domain/invite-chunk.ts';
import { hrEvent, httpInviteEvent, lambdaContext } from '../../helpers/events.ts';
import { RecordingDeadLetters, RecordingQueue } from '../../helpers/fakes.ts';
import { MemoryLedger } from '../../helpers/ledger.ts';
import { captureOutput, silentLogger } from '../../helpers/logs.ts';

const SPACE = 'SPEXAMPLE00000000000000';
const env = {
  INVITES_QUEUE_URL: 'http://queue/invites',
  LEDGER_TABLE_NAME: 'test-ledger',
  DEAD_LETTER_QUEUE_URL: 'http://queue/dlq',
  ALLOWED_SPACE_IDS: `${SPACE},SPOTHER`,
  DEFAULT_SPACE_ID: SPACE,
};

function setup(overrides: Record<string, string> = {}, logger = silentLogger()) {
  const queue = new RecordingQueue();
  const deadLetters = new RecordingDeadLetters();
  const ledger = new MemoryLedger();
  const handler = createIntakeHandler({
    config: readIntakeConfig({ ...env, ...overrides }),
    logger,
    ports: { queue, deadLetters, ledger, history: ledger },
  });
  return { queue, deadLetters, ledger, handler };
}

/**
 * Holds the queue's next enqueue until `release` (the queue then works as before): `reached`
 * resolves once a request is there, holding its idempotency key.
 */
function holdNextEnqueue(queue: RecordingQueue) {
  const reached = Promise.withResolvers<void>();
  const released = Promise.withResolvers<void>();
  const enqueue = queue.enqueue.bind(queue);
  queue.enqueue = async (messages, options) => {
    queue.enqueue = enqueue;
    reached.resolve();
    await released.promise;
    return enqueue(messages, options);
  };
  return { reached: reached.promise, release: () => released.resolve() };
}

/** An HTTP invite event signed by `userArn`, as API Gateway's IAM authorizer describes it. */
function signedInvite(
  body: unknown,
  headers: Record<string, string> = {},
  userArn = 'arn:aws:iam::123456789012:user/ops',
) {
  const event = httpInviteEvent({ body, headers });
  Object.assign(event.requestContext, { authorizer: { iam: { userArn } } });
  return event;
}

function jsonBody(response: unknown): Record<string, unknown> {
  return JSON.parse((response as APIGatewayProxyStructuredResultV2).body as string);
}

const invite = (accessorIds: unknown[], rest: Record<string, unknown> = {}) => ({
  accessorIds,
  title: 'Welcome',
  body: 'Join our space',
  ...rest,
});

describe('intake over HTTP', () => {
  it('answers 202 with the counts and queues chunks of at most 1000 accessors', async () => {
    const { queue, handler } = setup();
    const ids = Array.from({ length: 2_500 }, (_, index) => `user-${index}`);
    const event = httpInviteEvent({ body: invite([...ids, 'user-0']) });

    const response = (await handler(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;

    assert.equal(response.statusCode, 202);
    const requestId = event.requestContext.requestId;
    assert.deepEqual(jsonBody(response), {
      requestId,
      accessorCount: 2_500,
      messageCount: 3,
      statusUrl: `https://${event.requestContext.domainName}/requests/${requestId}`,
    });
    assert.equal(response.headers?.location, `/requests/${requestId}`);
    const chunks = queue.sent.map((message) => decodeInviteChunk(message.body));
    assert.deepEqual(
      chunks.map((chunk) => [chunk.part, chunk.parts, chunk.accessorIds.length]),
      [
        [1, 3, 1000],
        [2, 3, 1000],
        [3, 3, 500],
      ],
    );
    assert.deepEqual(
      chunks.flatMap((chunk) => chunk.accessorIds),
      ids,
    );
    assert.ok(chunks.every((chunk) => chunk.requestId === event.requestContext.requestId));
  });

  it('records the request in the ledger before it queues any chunk', async () => {
    const queue = new RecordingQueue();
    const ledger = new MemoryLedger();
    const events: string[] = [];
    const record = ledger.recordRequest.bind(ledger);
    ledger.recordRequest = async (request, options) => {
      events.push('recording');
      // The ledger answers only after several turns of the event loop, as a network call would.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      await record(request, options);
      events.push(`recorded, ${queue.sent.length} queued`);
    };
    const handler = createIntakeHandler({
      config: readIntakeConfig(env),
      logger: silentLogger(),
      ports: { queue, deadLetters: new RecordingDeadLetters(), ledger },
    });
    const ids = Array.from({ length: 25_000 }, (_, index) => `user-${index}`);

    const response = await handler(httpInviteEvent({ body: invite(ids) }), lambdaContext());

    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 202);
    assert.deepEqual(events, ['recording', 'recorded, 0 queued']);
    assert.equal(queue.sent.length, 25);
    assert.equal(ledger.requests.size, 1);
  });

  it('records an HTTP request as new, its ID being its own, and an HR event only if not yet recorded', async () => {
    const { ledger, handler } = setup();
    const asked: (boolean | undefined)[] = [];
    const record = ledger.recordRequest.bind(ledger);
    ledger.recordRequest = (request, options) => {
      asked.push(options?.isNew);
      return record(request, options);
    };

    await handler(httpInviteEvent({ body: invite(['a']) }), lambdaContext());
    await handler(hrEvent('Employee Onboarded', { accessorId: 'new-hire' }), lambdaContext());

    assert.deepEqual(asked, [true, false]);
  });

  it('answers 400 shaped like ValidationException, listing every field, and queues nothing', async () => {
    const { queue, handler } = setup();

    const response = await handler(
      httpInviteEvent({ body: { accessorIds: [], title: '', body: 'x'.repeat(601) } }),
      lambdaContext(),
    );

    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 400);
    const body = jsonBody(response);
    assert.equal(body.reason, 'fieldValidationFailed');
    assert.deepEqual(
      (body.fieldList as { name: string }[]).map((field) => field.name),
      ['title', 'body', 'accessorIds'],
    );
    assert.equal(queue.sent.length, 0);
  });

  it('answers 400 cannotParse for malformed JSON', async () => {
    const { queue, handler } = setup();

    const response = await handler(
      httpInviteEvent({ rawBody: '{"accessorIds": [' }),
      lambdaContext(),
    );

    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 400);
    assert.equal(jsonBody(response).reason, 'cannotParse');
    assert.equal(queue.sent.length, 0);
  });

  it('answers 400 for a space ID with a decoded slash', async () => {
    const { handler } = setup({ ALLOWED_SPACE_IDS: '' });

    const response = await handler(
      httpInviteEvent({ spaceId: 'SP/../x', body: invite(['a']) }),
      lambdaContext(),
    );

    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 400);
    assert.equal((jsonBody(response).fieldList as { name: string }[])[0]?.name, 'spaceId');
  });

  it('answers 403 for a space outside ALLOWED_SPACE_IDS and queues nothing', async () => {
    const { queue, handler } = setup();

    const response = await handler(
      httpInviteEvent({ spaceId: 'SPNOTALLOWED', body: invite(['a']) }),
      lambdaContext(),
    );

    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 403);
    assert.equal(queue.sent.length, 0);
  });

  it('answers 405 to other methods and 415 to other content types', async () => {
    const { handler } = setup();

    const get = await handler(httpInviteEvent({ method: 'GET' }), lambdaContext());
    const form = await handler(
      httpInviteEvent({
        body: invite(['a']),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      lambdaContext(),
    );

    assert.equal((get as APIGatewayProxyStructuredResultV2).statusCode, 405);
    assert.equal((get as APIGatewayProxyStructuredResultV2).headers?.allow, 'POST');
    assert.equal((form as APIGatewayProxyStructuredResultV2).statusCode, 415);
  });

  it('answers 413 above 10 MB and accepts a base64 body under it', async () => {
    const { queue, handler } = setup();
    const big = JSON.stringify(invite([' '.repeat(10 * 1024 * 1024)]));
    const encoded = Buffer.from(JSON.stringify(invite(['b64-user']))).toString('base64');

    const tooBig = await handler(httpInviteEvent({ rawBody: big }), lambdaContext());
    const base64 = await handler(
      httpInviteEvent({ rawBody: encoded, isBase64Encoded: true }),
      lambdaContext(),
    );

    assert.equal((tooBig as APIGatewayProxyStructuredResultV2).statusCode, 413);
    assert.equal((base64 as APIGatewayProxyStructuredResultV2).statusCode, 202);
    assert.equal(queue.sent.length, 1);
  });

  it('answers 400 to a body that is not UTF-8, instead of inviting an ID it never sent', async () => {
    const { queue, handler } = setup();
    const bytes = Buffer.concat([
      Buffer.from('{"accessorIds":["a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"],"title":"t","body":"b"}'),
    ]);

    const response = (await handler(
      httpInviteEvent({ rawBody: bytes.toString('base64'), isBase64Encoded: true }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    assert.equal(response.statusCode, 400);
    assert.equal(jsonBody(response).reason, 'cannotParse');
    assert.match(String(jsonBody(response).message), /not UTF-8/);
    assert.equal(queue.sent.length, 0);
  });

  it('answers 503 with the queued and failed parts when some chunks cannot be queued', async () => {
    const { queue, handler } = setup();
    queue.refuse.add('2');

    const response = (await handler(
      httpInviteEvent({ body: invite(Array.from({ length: 2_001 }, (_, index) => `u${index}`)) }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    assert.equal(response.statusCode, 503);
    assert.equal(response.headers?.['retry-after'], '1');
    const body = jsonBody(response);
    assert.equal(body.retryable, true);
    assert.deepEqual(body.queuedParts, [1, 3]);
    assert.deepEqual(body.failedParts, [2]);
  });

  it('names the first request in every answer for a key, a second 503 included', async () => {
    const { queue, handler } = setup();
    const ids = Array.from({ length: 3_000 }, (_, index) => `again${index}`);
    const request = () =>
      httpInviteEvent({ body: invite(ids), headers: { 'idempotency-key': 'again-1' } });
    const send = async () =>
      (await handler(request(), lambdaContext())) as APIGatewayProxyStructuredResultV2;

    queue.refuse.add('2').add('3');
    const first = await send();
    queue.refuse.delete('2');
    const second = await send();
    queue.refuse.clear();
    const third = await send();

    assert.deepEqual(
      [first, second, third].map((response) => response.statusCode),
      [503, 503, 202],
    );
    assert.deepEqual(jsonBody(second).failedParts, [3]);
    const firstId = jsonBody(first).requestId;
    assert.equal(jsonBody(second).requestId, firstId);
    assert.equal(jsonBody(third).requestId, firstId);
  });

  it('stops queueing in time to settle and answer 503 when the invocation is about to time out, and the retry queues it all', async () => {
    const { queue, handler } = setup();
    const ids = Array.from({ length: 1_500 }, (_, index) => `late${index}`);
    const request = () =>
      httpInviteEvent({ body: invite(ids), headers: { 'idempotency-key': 'late-1' } });

    const late = (await handler(
      request(),
      lambdaContext(() => 2_500),
    )) as APIGatewayProxyStructuredResultV2;
    const retried = (await handler(
      request(),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    assert.equal(late.statusCode, 503);
    assert.deepEqual(jsonBody(late).failedParts, [1, 2]);
    assert.equal(queue.options[0]?.timeoutMs, 2_500 - SETTLE_BUDGET_MS);
    assert.equal(retried.statusCode, 202);
    assert.deepEqual(
      queue.sent.map((message) => message.id),
      ['1', '2'],
    );
  });

  it('logs the accepted accessor IDs at DEBUG only, and makes none of them otherwise', async (t) => {
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const made = t.mock.method(AccessorIdsText.prototype, 'ids');
    const accept = async (logLevel: 'DEBUG' | 'INFO') => {
      const { handler } = setup({}, new Logger({ serviceName: 'test', logLevel }));
      made.mock.resetCalls();
      const { output } = await captureOutput(() =>
        handler(
          httpInviteEvent({ body: invite(['ann@example.com', 'bo@example.com']) }),
          lambdaContext(),
        ),
      );
      return { output, made: made.mock.callCount() };
    };

    const debug = await accept('DEBUG');
    const info = await accept('INFO');

    assert.match(debug.output, /"accessorIds":\["ann@example.com","bo@example.com"\]/);
    assert.equal(debug.made, 1);
    assert.match(info.output, /Invite request accepted/);
    assert.doesNotMatch(info.output, /ann@example\.com/);
    assert.equal(info.made, 0, 'no ID made a string at INFO');
  });

  it('never logs the title or the body', async () => {
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { handler } = setup({}, new Logger({ serviceName: 'test', logLevel: 'DEBUG' }));
    const title = 'SECRET-TITLE-7f3a';
    const body = 'SECRET-BODY-91bc';

    const { output } = await captureOutput(async () => {
      await handler(
        httpInviteEvent({ body: invite(['a', 'b'], { title, body }) }),
        lambdaContext(),
      );
      await handler(httpInviteEvent({ body: invite([''], { title, body }) }), lambdaContext());
    });

    assert.match(output, /Invite request accepted/);
    assert.doesNotMatch(output, /SECRET-TITLE|SECRET-BODY/);
  });
});

describe('intake over HTTP with an Idempotency-Key', () => {
  it('answers a repeat with the first answer, Idempotent-Replayed, and queues nothing again', async () => {
    // Prepare
    const { queue, handler } = setup();
    const body = invite(['a', 'b', 'c']);
    const first = (await handler(
      signedInvite(body, { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Act
    const repeat = (await handler(
      signedInvite(body, { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    assert.equal(repeat.statusCode, 202);
    assert.deepEqual(jsonBody(repeat), jsonBody(first));
    assert.equal(repeat.headers?.['idempotent-replayed'], 'true');
    assert.equal(first.headers?.['idempotent-replayed'], undefined);
    assert.equal(repeat.headers?.location, first.headers?.location);
    assert.equal(queue.sent.length, 1);
  });

  it('answers 422 to the same key with another payload, and queues nothing', async () => {
    // Prepare
    const { queue, handler } = setup();
    await handler(signedInvite(invite(['a']), { 'idempotency-key': 'run-42' }), lambdaContext());

    // Act
    const response = (await handler(
      signedInvite(invite(['a', 'b']), { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    assert.equal(response.statusCode, 422);
    assert.equal(response.headers?.['x-amzn-errortype'], 'IdempotentParameterMismatchException');
    assert.equal(queue.sent.length, 1);
  });

  it('answers 409 with Retry-After to the same key while the first request still holds it, and queues nothing', async () => {
    // Prepare: the first request holds its key and never gets past queueing.
    const { queue, handler } = setup();
    const held = holdNextEnqueue(queue);
    const first = handler(
      signedInvite(invite(['a']), { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    );
    await held.reached;

    // Act
    const response = (await handler(
      signedInvite(invite(['a']), { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;
    const queuedMeanwhile = queue.sent.length;
    held.release();
    await first;

    // Assess: told to come back once the first one's lock (35 s) has run out.
    assert.equal(response.statusCode, 409);
    assert.equal(response.headers?.['x-amzn-errortype'], 'ConflictException');
    assert.equal(response.headers?.['retry-after'], '35');
    assert.match(String(jsonBody(response).message), /still being accepted; retry in 35 s/);
    assert.equal(queuedMeanwhile, 0);
    assert.equal(queue.sent.length, 1);
  });

  it('answers 422 to the same key and accessors with another resend, and queues nothing', async () => {
    // Prepare
    const { queue, handler } = setup();
    await handler(signedInvite(invite(['a']), { 'idempotency-key': 'run-42' }), lambdaContext());

    // Act
    const response = (await handler(
      signedInvite(invite(['a'], { resend: true }), { 'idempotency-key': 'run-42' }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess: a resend asks for something the first request did not; it is not its replay.
    assert.equal(response.statusCode, 422);
    assert.equal(queue.sent.length, 1);
  });

  it('answers 400 to a key that is empty, too long or not printable ASCII, and queues nothing', async () => {
    // Prepare
    const { queue, handler } = setup();

    // Act
    const statuses = [];
    for (const key of [' ', 'k'.repeat(256), 'clé', 'tab\there']) {
      const response = await handler(
        signedInvite(invite(['a']), { 'idempotency-key': key }),
        lambdaContext(),
      );
      statuses.push([
        (response as APIGatewayProxyStructuredResultV2).statusCode,
        jsonBody(response).fieldList,
      ]);
    }

    // Assess
    for (const [status, fieldList] of statuses) {
      assert.equal(status, 400);
      assert.deepEqual(
        (fieldList as { name: string }[]).map((field) => field.name),
        ['Idempotency-Key'],
      );
    }
    assert.equal(queue.sent.length, 0);
  });

  it('records who sent the request, from the IAM principal, and scopes the key to them', async () => {
    // Prepare
    const { queue, ledger, handler } = setup();
    const body = invite(['a']);

    // Act
    const mine = await handler(
      signedInvite(body, { 'idempotency-key': 'k' }, 'arn:aws:iam::1:user/a'),
      lambdaContext(),
    );
    const theirs = await handler(
      signedInvite(body, { 'idempotency-key': 'k' }, 'arn:aws:iam::1:user/b'),
      lambdaContext(),
    );

    // Assess
    assert.notEqual(jsonBody(mine).requestId, jsonBody(theirs).requestId);
    assert.equal(queue.sent.length, 2);
    assert.deepEqual(
      [...ledger.requests.values()].map((record) => record.requestedBy),
      ['arn:aws:iam::1:user/a', 'arn:aws:iam::1:user/b'],
    );
  });

  it('answers 503, retryable, and queues nothing while the ledger cannot record the request', async () => {
    // Prepare
    const { queue, ledger, handler } = setup();
    ledger.failWith = new Error('ECONNREFUSED');

    // Act
    const response = (await handler(
      signedInvite(invite(['a'])),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers?.['retry-after'], '1');
    assert.equal(jsonBody(response).retryable, true);
    assert.equal(queue.sent.length, 0);
  });
});

describe('a dry run', () => {
  it('logs who asked, as a dry run tells whether people were invited recently', async () => {
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { handler } = setup({}, new Logger({ serviceName: 'test', logLevel: 'INFO' }));
    const asker = 'arn:aws:iam::123456789012:user/curious';

    const { output } = await captureOutput(async () => {
      await handler(signedInvite({ ...invite(['a']), dryRun: true }, {}, asker), lambdaContext());
    });

    const line = output
      .split('\n')
      .filter((text) => text.includes('Dry run answered'))
      .map((text) => JSON.parse(text) as { requestedBy?: string; accessorCount?: number })[0];
    assert.equal(line?.requestedBy, asker);
    assert.equal(line?.accessorCount, 1);
  });

  it('answers 200 with who was invited already and who would be, queueing and recording nothing', async () => {
    // Prepare
    const { queue, ledger, handler } = setup();
    await ledger.remember(SPACE, ['a', 'b'], Date.now() - 1_000, Date.now() + 86_400_000);
    const ids = Array.from({ length: 1_500 }, (_, index) =>
      index < 2 ? ['a', 'b'][index] : `new-${index}`,
    );

    // Act
    const plain = await handler(signedInvite({ ...invite(ids), dryRun: true }), lambdaContext());
    const resend = await handler(
      signedInvite({ ...invite(ids), dryRun: true, resend: true }),
      lambdaContext(),
    );

    // Assess
    assert.equal((plain as APIGatewayProxyStructuredResultV2).statusCode, 200);
    assert.deepEqual(jsonBody(plain), {
      dryRun: true,
      accessorCount: 1_500,
      alreadyInvited: 2,
      wouldInvite: 1_498,
      messageCount: 2,
    });
    assert.equal(jsonBody(resend).wouldInvite, 1_500);
    assert.equal(queue.sent.length, 0);
    assert.equal(ledger.requests.size, 0);
    assert.equal(ledger.keys.size, 0);
  });

  it('answers 403 for a space outside the allowed list, without saying who was invited there', async () => {
    // Prepare
    const { ledger, handler } = setup();
    await ledger.remember('SPELSEWHERE', ['a'], Date.now() - 1_000, Date.now() + 86_400_000);

    // Act
    const response = (await handler(
      httpInviteEvent({ spaceId: 'SPELSEWHERE', body: { ...invite(['a']), dryRun: true } }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2;

    // Assess
    assert.equal(response.statusCode, 403);
    assert.equal(response.headers?.['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(jsonBody(response).alreadyInvited, undefined);
  });

  it('validates like a real request, and refuses a dryRun that is not a boolean', async () => {
    // Prepare
    const { queue, handler } = setup();

    // Act
    const invalid = await handler(signedInvite({ ...invite([]), dryRun: true }), lambdaContext());
    const badFlag = await handler(
      signedInvite({ ...invite(['a']), dryRun: 'yes' }),
      lambdaContext(),
    );

    // Assess
    assert.equal((invalid as APIGatewayProxyStructuredResultV2).statusCode, 400);
    assert.equal((badFlag as APIGatewayProxyStructuredResultV2).statusCode, 400);
    assert.deepEqual(
      (jsonBody(badFlag).fieldList as { name: string }[]).map((field) => field.name),
      ['dryRun'],
    );
    assert.equal(queue.sent.length, 0);
  });

  it('answers 400 to a misspelt dryRun instead of inviting for real, and queues nothing', async () => {
    // Prepare
    const { queue, ledger, handler } = setup();

    // Act
    const response = await handler(
      signedInvite({ ...invite(['a']), dryrun: true }),
      lambdaContext(),
    );

    // Assess
    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 400);
    assert.deepEqual(jsonBody(response).fieldList, [
      { name: 'dryrun', message: 'dryrun is not a field; did you mean dryRun?' },
    ]);
    assert.equal(queue.sent.length, 0);
    assert.equal(ledger.requests.size, 0);
  });

  it('answers 503 rather than a wrong count when the history cannot be read', async () => {
    // Prepare
    const { ledger, handler } = setup();
    ledger.failWith = new Error('ECONNREFUSED');

    // Act
    const response = await handler(
      signedInvite({ ...invite(['a']), dryRun: true }),
      lambdaContext(),
    );

    // Assess
    assert.equal((response as APIGatewayProxyStructuredResultV2).statusCode, 503);
  });
});

describe('intake of HR events', () => {
  it('queues a redelivered event (same event ID) once', async () => {
    // Prepare
    const { queue, handler } = setup();
    const event = hrEvent('Employee Onboarded', { accessorId: 'new-hire' });

    // Act
    await handler(event, lambdaContext());
    await handler({ ...event }, lambdaContext());

    // Assess
    assert.equal(queue.sent.length, 1);
  });

  it('throws for a copy of an event another invocation is still accepting, so that Lambda retries it, and logs it as a warning', async () => {
    // Prepare: the first copy holds the event's key and never gets past queueing.
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { queue, deadLetters, handler } = setup(
      {},
      new Logger({ serviceName: 'test', logLevel: 'INFO' }),
    );
    const event = hrEvent('Employee Onboarded', { accessorId: 'new-hire' });
    const held = holdNextEnqueue(queue);
    const first = handler(event, lambdaContext());
    await held.reached;

    // Act
    let thrown: unknown;
    const { output } = await captureOutput(async () => {
      thrown = await handler({ ...event }, lambdaContext()).catch((error: unknown) => error);
    });
    const queuedMeanwhile = queue.sent.length;
    held.release();
    await first;

    // Assess: nothing queued or parked for the copy, and no ERROR line to page anyone.
    assert.equal((thrown as Error | undefined)?.name, 'IdempotencyKeyInUseError');
    assert.equal(queuedMeanwhile, 0);
    assert.equal(queue.sent.length, 1);
    assert.equal(deadLetters.parked.length, 0);
    const lines = output
      .split('\n')
      .filter((text) => text.startsWith('{'))
      .map((text) => JSON.parse(text) as { level: string; message: string });
    assert.deepEqual(
      lines.map(({ level, message }) => [level, message]),
      [['WARN', 'HR event is being accepted by another invocation; Lambda retries this copy']],
    );
  });

  it('parks an event from an account other than HR_EVENT_ACCOUNT, and records it as failed under its ID', async () => {
    // Prepare
    const { queue, deadLetters, ledger, handler } = setup({ HR_EVENT_ACCOUNT: '111122223333' });
    const event = hrEvent('Employee Onboarded', { accessorId: 'new-hire' });

    // Act
    await handler(event, lambdaContext());

    // Assess
    assert.equal(queue.sent.length, 0);
    assert.match(
      deadLetters.parked[0]?.reason.errorMessage ?? '',
      /account "123456789012" is not the HR account/,
    );
    assert.equal(ledger.requests.get(event.id)?.requestedBy, `hr.events (account 123456789012)`);
    assert.deepEqual(ledger.outcomes.get(`${event.id}#1`)?.failedIds, ['new-hire']);
  });

  it('records a refused event naming no accessor as nothing rather than as succeeded when its failed part cannot be written', async () => {
    // Prepare
    const { deadLetters, ledger, handler } = setup();
    ledger.recordOutcome = () => Promise.reject(new Error('ledger down'));
    const event = hrEvent('Employee Onboarded', { accessorId: 42 });

    // Act
    await handler(event, lambdaContext());

    // Assess
    assert.equal(deadLetters.parked.length, 1);
    assert.equal(ledger.requests.has(event.id), false, 'no request that would read Succeeded');
  });

  it('queues an event even while the ledger is down: no caller could retry it', async () => {
    // Prepare
    const { queue, ledger, handler } = setup();
    ledger.failWith = new Error('ECONNREFUSED');

    // Act
    await handler(hrEvent('Employee Onboarded', { accessorId: 'new-hire' }), lambdaContext());

    // Assess
    assert.equal(queue.sent.length, 1);
  });

  it('queues one invite with the defaults for Employee Onboarded', async () => {
    const { queue, handler } = setup();
    const event = hrEvent('Employee Onboarded', { accessorId: 'new-hire-1' });

    await handler(event, lambdaContext());

    assert.equal(queue.sent.length, 1);
    const chunk = decodeInviteChunk(queue.sent[0]?.body ?? '');
    assert.equal(chunk.requestId, event.id);
    assert.equal(chunk.spaceId, SPACE);
    assert.deepEqual(chunk.accessorIds, ['new-hire-1']);
    assert.equal(chunk.title, 'You are invited to our re:Post Private space');
  });

  it('queues an Invite Requested event like an HTTP request', async () => {
    const { queue, handler } = setup();

    await handler(
      hrEvent('Invite Requested', { spaceId: 'SPOTHER', ...invite(['a', 'b', 'a']) }),
      lambdaContext(),
    );

    assert.deepEqual(decodeInviteChunk(queue.sent[0]?.body ?? '').accessorIds, ['a', 'b']);
  });

  it('logs which fields of a refused event failed, and why, as it does for HTTP', async () => {
    const { Logger } = await import('@aws-lambda-powertools/logger');
    const { handler } = setup({}, new Logger({ serviceName: 'test', logLevel: 'INFO' }));

    const { output } = await captureOutput(async () => {
      await handler(hrEvent('Employee Onboarded', { accessorId: '' }), lambdaContext());
    });

    const line = output
      .split('\n')
      .filter((text) => text.includes('HR event rejected'))
      .map((text) => JSON.parse(text) as { fieldList: unknown })[0];
    assert.deepEqual(line?.fieldList, [
      { name: 'accessorId', message: 'accessor ID must not be empty' },
    ]);
  });

  it('parks an invalid event in the DLQ with the reason instead of dropping or retrying it', async () => {
    const { queue, deadLetters, handler } = setup();
    const event = hrEvent('Invite Requested', { spaceId: SPACE, accessorIds: [''], title: 'T' });

    await handler(event, lambdaContext());

    assert.equal(queue.sent.length, 0);
    assert.equal(deadLetters.parked.length, 1);
    assert.equal(JSON.parse(deadLetters.parked[0]?.body ?? '').id, event.id);
    assert.equal(deadLetters.parked[0]?.reason.errorType, 'ValidationException');
    assert.equal(
      deadLetters.parked[0]?.reason.errorMessage,
      'Invalid input: body: body is required; accessorIds[0]: accessor ID must not be empty',
    );
  });

  it('parks refused events whatever their detail holds, in a body SQS accepts', async () => {
    const { deadLetters, handler } = setup();
    let deep: unknown = 'bottom';
    for (let level = 0; level < 20_000; level++) deep = [deep];
    const events = [
      hrEvent('Invite Requested', {
        spaceId: SPACE,
        accessorIds: [''],
        title: 'Welcome 👋',
        body: 'B',
      }),
      hrEvent('Invite Requested', {
        spaceId: SPACE,
        accessorIds: [''],
        title: 'Welcome \uffff',
        body: 'B',
      }),
      hrEvent('Invite Requested', { spaceId: SPACE, accessorIds: deep, title: 'T', body: 'B' }),
    ];

    for (const event of events) await handler(event, lambdaContext());

    assert.equal(deadLetters.parked.length, 3);
    for (const { body } of deadLetters.parked) {
      assert.doesNotMatch(
        body,
        /[\ufffe\uffff]|[\ud800-\udfff]/,
        'no character SQS or fauxqs refuses',
      );
    }
    assert.equal(JSON.parse(deadLetters.parked[0]?.body ?? '').detail.title, 'Welcome 👋');
    assert.equal(JSON.parse(deadLetters.parked[1]?.body ?? '').detail.title, 'Welcome \uffff');
    assert.equal(
      JSON.parse(deadLetters.parked[2]?.body ?? '').detailOmitted,
      'nested too deeply to serialise',
    );
  });

  it('parks an invalid event too large for a message once escaped, without its detail, and records its accessors', async () => {
    const { deadLetters, ledger, handler } = setup();
    // 1,700 IDs of 60 emoji: 4 bytes each in the event, 12 once escaped for SQS.
    const accessorIds = Array.from({ length: 1_700 }, (_, index) => `${'😀'.repeat(60)}${index}`);
    const event = hrEvent('Invite Requested', {
      spaceId: SPACE,
      accessorIds,
      title: 'x'.repeat(201),
      body: 'B',
    });

    await handler(event, lambdaContext());

    assert.equal(deadLetters.parked.length, 1);
    const parked = JSON.parse(deadLetters.parked[0]?.body ?? '{}');
    assert.equal(parked.id, event.id);
    assert.equal(parked.detail, null);
    assert.match(parked.detailOmitted, /bytes, over the \d+ a message holds/);
    assert.equal(ledger.outcomes.get(`${event.id}#1`)?.failedIds.length, 1_700);
  });

  it('parks events for spaces outside the allowed list', async () => {
    const { queue, deadLetters, handler } = setup();

    await handler(
      hrEvent('Employee Onboarded', { accessorId: 'a', spaceId: 'SPELSEWHERE' }),
      lambdaContext(),
    );

    assert.equal(queue.sent.length, 0);
    assert.equal(deadLetters.parked[0]?.reason.errorType, 'AccessDeniedException');
  });

  it('parks the chunks that could not be queued so a retry cannot duplicate the rest', async () => {
    const { queue, deadLetters, handler } = setup();
    queue.refuse.add('1');

    await handler(
      hrEvent('Invite Requested', {
        spaceId: SPACE,
        ...invite(Array.from({ length: 1_500 }, (_, index) => `u${index}`)),
      }),
      lambdaContext(),
    );

    assert.deepEqual(
      queue.sent.map((message) => message.id),
      ['2'],
    );
    assert.equal(deadLetters.parked[0]?.reason.errorType, 'EnqueueFailed');
    assert.equal(decodeInviteChunk(deadLetters.parked[0]?.body ?? '').part, 1);
  });

  it('queues on the retry of the event a chunk that could be neither queued nor parked', async () => {
    const { queue, deadLetters, handler } = setup();
    queue.refuse.add('1');
    deadLetters.failWith = new Error('SQS unavailable');
    const event = hrEvent('Invite Requested', {
      spaceId: SPACE,
      ...invite(Array.from({ length: 1_500 }, (_, index) => `u${index}`)),
    });
    await assert.rejects(handler(event, lambdaContext()), /SQS unavailable/);
    queue.refuse.clear();
    deadLetters.failWith = undefined;

    await handler(event, lambdaContext());

    assert.deepEqual(
      queue.sent.map((message) => message.id),
      ['2', '1'],
    );
    assert.equal(deadLetters.parked.length, 0);
  });

  it('fails the invocation when parking fails, so Lambda retries the event', async () => {
    const { deadLetters, handler } = setup();
    deadLetters.failWith = new Error('SQS unavailable');

    await assert.rejects(
      handler(hrEvent('Employee Fired', { accessorId: 'a' }), lambdaContext()),
      /SQS unavailable/,
    );
  });
});

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { type TestContext, test } from 'node:test';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  AccessDeniedException,
  InternalServerException,
  RepostspaceClient,
  type RepostspaceClientOptions,
  RepostspaceConfigurationError,
  RepostspaceServiceException,
  ResourceNotFoundException,
  ThrottlingException,
  ValidationException,
} from '../../../shared/adapters/repostspace/index.ts';
import { classifyOutcome } from '../../../shared/domain/outcome.ts';
import type { SendInvitesInput } from '../../../shared/domain/ports.ts';
import { rejectionOf } from '../../helpers/rejection-of.ts';

const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const REGION = 'us-east-1';
const INPUT: SendInvitesInput = {
  spaceId: 'space_123-abc',
  accessorIds: ['alice@example.com', 'group-42'],
  title: 'Welcome 👋',
  body: 'Join our private re:Post.',
};

interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Responder = (request: IncomingMessage, response: ServerResponse) => void;

/** A loopback server for one test: records what it receives and answers with `respond`. */
async function startServer(t: TestContext, respond: Responder) {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        url: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, received };
}

function clientFor(
  t: TestContext,
  endpoint: string,
  options: Partial<RepostspaceClientOptions> = {},
) {
  const client = new RepostspaceClient({
    region: REGION,
    endpoint,
    credentials: CREDENTIALS,
    ...options,
  });
  t.after(() => client.destroy());
  return client;
}

function reply(status: number, headers: Record<string, string>, body = ''): Responder {
  return (_request, response) => {
    response.writeHead(status, { 'x-amzn-requestid': 'req-1', ...headers });
    response.end(body);
  };
}

function jsonError(status: number, type: string, body: object, headers = {}): Responder {
  return reply(
    status,
    { 'content-type': 'application/json', 'x-amzn-errortype': type, ...headers },
    JSON.stringify(body),
  );
}

function parseAuthorization(value: string | undefined) {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(
      value ?? '',
    );
  assert.ok(match, `malformed Authorization header: ${value}`);
  return {
    accessKeyId: match[1],
    date: match[2],
    region: match[3],
    service: match[4],
    signedHeaders: (match[5] ?? '').split(';'),
    signature: match[6],
  };
}

function signedHeadersOf(received: ReceivedRequest, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, String(received.headers[name] ?? '')]));
}

/** What the service does: signs the request as received, with the caller's secret. */
async function recomputeAuthorization(received: ReceivedRequest): Promise<string | undefined> {
  const { signedHeaders } = parseAuthorization(received.headers.authorization);
  const amzDate = String(received.headers['x-amz-date']);
  const signer = new SignatureV4({
    service: 'repostspace',
    region: REGION,
    credentials: CREDENTIALS,
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
  const [path = ''] = received.url.split('?');
  const signed = await signer.sign(
    new HttpRequest({
      method: received.method,
      protocol: 'http:',
      hostname: '127.0.0.1',
      path,
      headers: signedHeadersOf(received, signedHeaders),
      body: received.body,
    }),
    {
      signingDate: new Date(
        `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
      ),
    },
  );
  return signed.headers.authorization;
}

const sha256Hex = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const rfc3986 = (segment: string) =>
  encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );

/** SigV4 written out from AWS's documentation, to pin the canonical path down independently. */
function independentSignature(received: ReceivedRequest) {
  const { signedHeaders } = parseAuthorization(received.headers.authorization);
  const amzDate = String(received.headers['x-amz-date']);
  const [path = ''] = received.url.split('?');
  // Every service but S3 escapes each already-escaped path segment once more.
  const canonicalUri = path.split('/').map(rfc3986).join('/');
  const headers = signedHeadersOf(received, signedHeaders);
  const canonicalRequest = [
    received.method,
    canonicalUri,
    '',
    ...signedHeaders.map((name) => `${name}:${headers[name]?.trim()}`),
    '',
    signedHeaders.join(';'),
    sha256Hex(received.body),
  ].join('\n');
  const scope = `${amzDate.slice(0, 8)}/${REGION}/repostspace/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key: Buffer = Buffer.from(`AWS4${CREDENTIALS.secretAccessKey}`);
  for (const part of [amzDate.slice(0, 8), REGION, 'repostspace', 'aws4_request']) {
    key = createHmac('sha256', key).update(part).digest();
  }
  return {
    canonicalUri,
    signature: createHmac('sha256', key).update(stringToSign).digest('hex'),
  };
}

async function assertSignedWithTestCredentials(received: ReceivedRequest) {
  const authorization = parseAuthorization(received.headers.authorization);
  assert.equal(authorization.accessKeyId, CREDENTIALS.accessKeyId);
  assert.equal(authorization.region, REGION);
  assert.equal(authorization.service, 'repostspace');
  assert.ok(authorization.signedHeaders.includes('host'));
  assert.ok(authorization.signedHeaders.includes('x-amz-date'));
  assert.ok(authorization.signedHeaders.includes('content-type'));
  assert.equal(await recomputeAuthorization(received), received.headers.authorization);
  assert.equal(independentSignature(received).signature, authorization.signature);
}

test('signs a SendInvites call the service can verify and resolves with its request id', async (t) => {
  // Prepare
  const server = await startServer(t, reply(200, { 'x-amzn-requestid': 'req-ok' }));
  const client = clientFor(t, server.url);

  // Act
  const output = await client.sendInvites(INPUT);

  // Assess
  assert.deepEqual(output, { requestId: 'req-ok' });
  assert.equal(server.received.length, 1);
  const [received] = server.received;
  assert.ok(received);
  assert.equal(received.method, 'POST');
  assert.equal(received.url, '/spaces/space_123-abc/invite');
  assert.equal(received.headers['content-type'], 'application/json');
  assert.equal(received.headers.host, `127.0.0.1:${server.port}`);
  assert.match(String(received.headers['x-amz-date']), /^\d{8}T\d{6}Z$/);
  assert.equal(received.headers['x-amz-content-sha256'], sha256Hex(received.body));
  assert.deepEqual(JSON.parse(received.body), {
    accessorIds: INPUT.accessorIds,
    title: INPUT.title,
    body: INPUT.body,
  });
  await assertSignedWithTestCredentials(received);
});

test('escapes a space ID once on the wire and twice in the canonical request', async (t) => {
  // Prepare
  const server = await startServer(t, reply(200, {}));
  const client = clientFor(t, server.url);

  // Act
  await client.sendInvites({ ...INPUT, spaceId: "a b/ä!'(x)*" });

  // Assess
  const [received] = server.received;
  assert.ok(received);
  assert.equal(received.url, '/spaces/a%20b%2F%C3%A4%21%27%28x%29%2A/invite');
  assert.equal(
    independentSignature(received).canonicalUri,
    '/spaces/a%2520b%252F%25C3%25A4%2521%2527%2528x%2529%252A/invite',
  );
  await assertSignedWithTestCredentials(received);
});

test('escapes a dot segment so it cannot climb out of the path', async (t) => {
  // Prepare
  const server = await startServer(t, reply(200, {}));
  const client = clientFor(t, server.url);

  // Act
  await client.sendInvites({ ...INPUT, spaceId: '..' });

  // Assess
  const [received] = server.received;
  assert.ok(received);
  assert.equal(received.url, '/spaces/%2E%2E/invite');
  await assertSignedWithTestCredentials(received);
});

test("appends the operation to the endpoint's base path", async (t) => {
  // Prepare
  const server = await startServer(t, reply(200, {}));
  const client = clientFor(t, `${server.url}/prefix/repostspace/`);

  // Act
  await client.sendInvites(INPUT);

  // Assess
  const [received] = server.received;
  assert.ok(received);
  assert.equal(received.url, '/prefix/repostspace/spaces/space_123-abc/invite');
  await assertSignedWithTestCredentials(received);
});

test('resolves without a request id when the service sends none', async (t) => {
  // Prepare
  const server = await startServer(t, (_request, response) => response.end());
  const client = clientFor(t, server.url);

  // Act
  const output = await client.sendInvites(INPUT);

  // Assess
  assert.deepEqual(output, { requestId: undefined });
});

test('rejects a 429 with ThrottlingException carrying Retry-After and the quota, without retrying', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(
      429,
      'ThrottlingException',
      { message: 'Rate exceeded', serviceCode: 'repostspace', quotaCode: 'L-1234' },
      { 'retry-after': '7' },
    ),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ThrottlingException);
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'ThrottlingException');
  assert.equal(error.message, 'Rate exceeded');
  assert.equal(error.retryAfterSeconds, 7);
  assert.equal(error.serviceCode, 'repostspace');
  assert.equal(error.quotaCode, 'L-1234');
  assert.equal(error.$fault, 'client');
  assert.deepEqual(error.$retryable, { throttling: true });
  assert.deepEqual(error.$metadata, { httpStatusCode: 429, requestId: 'req-1' });
  assert.equal(error.requestId, 'req-1');
  assert.equal(server.received.length, 1);
});

test('keeps Retry-After on an error of a type it does not know, and the worker throttles on its 429', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(429, 'TooManyRequestsException', { message: 'Slow down' }, { 'retry-after': '30' }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'TooManyRequestsException');
  assert.equal(error.retryAfterSeconds, 30);
  assert.deepEqual(classifyOutcome(error, { receiveCount: 1 }), {
    kind: 'throttled',
    delaySeconds: 30,
  });
});

test('rejects a 429 without Retry-After with ThrottlingException and no retryAfterSeconds', async (t) => {
  // Prepare
  const server = await startServer(t, jsonError(429, 'ThrottlingException', { message: 'Slow' }));
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ThrottlingException);
  assert.equal(error.retryAfterSeconds, undefined);
  assert.equal(error.serviceCode, undefined);
  assert.equal(server.received.length, 1);
});

test('reads a Retry-After HTTP date as the whole seconds until it', async (t) => {
  // Prepare
  const date = new Date(Date.now() + 30_000).toUTCString();
  const server = await startServer(
    t,
    jsonError(429, 'ThrottlingException', { message: 'Slow' }, { 'retry-after': date }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ThrottlingException);
  assert.ok(
    error.retryAfterSeconds !== undefined &&
      error.retryAfterSeconds >= 28 &&
      error.retryAfterSeconds <= 30,
    `${error.retryAfterSeconds} s`,
  );
});

test('ignores a Retry-After that is neither whole seconds nor an HTTP date', async (t) => {
  for (const retryAfter of ['1.5', '-3', 'soon']) {
    await t.test(retryAfter, async (t) => {
      // Prepare
      const server = await startServer(
        t,
        jsonError(429, 'ThrottlingException', { message: 'Slow' }, { 'retry-after': retryAfter }),
      );
      const client = clientFor(t, server.url);

      // Act
      const error = await rejectionOf(client.sendInvites(INPUT));

      // Assess
      assert.ok(error instanceof ThrottlingException);
      assert.equal(error.retryAfterSeconds, undefined);
    });
  }
});

test('rejects a 500 with InternalServerException carrying Retry-After, without retrying', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(500, 'InternalServerException', { message: 'Oops' }, { 'retry-after': '3' }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof InternalServerException);
  assert.equal(error.name, 'InternalServerException');
  assert.equal(error.message, 'Oops');
  assert.equal(error.retryAfterSeconds, 3);
  assert.equal(error.$fault, 'server');
  assert.deepEqual(error.$metadata, { httpStatusCode: 500, requestId: 'req-1' });
  assert.equal(server.received.length, 1);
});

test('rejects a 500 without Retry-After with InternalServerException and no retryAfterSeconds', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(500, 'InternalServerException', { Message: 'Oops' }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof InternalServerException);
  assert.equal(error.message, 'Oops');
  assert.equal(error.retryAfterSeconds, undefined);
});

test('rejects a 400 with ValidationException carrying the reason and the field list', async (t) => {
  // Prepare
  const fieldList = [{ name: 'title', message: 'Member must have length between 1 and 200' }];
  const server = await startServer(
    t,
    jsonError(400, 'ValidationException', {
      message: '1 validation error detected',
      reason: 'fieldValidationFailed',
      fieldList,
    }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ValidationException);
  assert.equal(error.name, 'ValidationException');
  assert.equal(error.message, '1 validation error detected');
  assert.equal(error.reason, 'fieldValidationFailed');
  assert.deepEqual(error.fieldList, fieldList);
  assert.equal(error.$fault, 'client');
  assert.equal(error.$metadata.httpStatusCode, 400);
});

test('rejects a 403 with AccessDeniedException', async (t) => {
  // Prepare
  const server = await startServer(t, jsonError(403, 'AccessDeniedException', { message: 'No' }));
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof AccessDeniedException);
  assert.equal(error.name, 'AccessDeniedException');
  assert.equal(error.message, 'No');
  assert.equal(error.$fault, 'client');
  assert.deepEqual(error.$metadata, { httpStatusCode: 403, requestId: 'req-1' });
});

test('rejects a 404 with ResourceNotFoundException naming the resource', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(404, 'ResourceNotFoundException', {
      message: 'Space not found',
      resourceId: 'space_123-abc',
      resourceType: 'space',
    }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ResourceNotFoundException);
  assert.equal(error.name, 'ResourceNotFoundException');
  assert.equal(error.resourceId, 'space_123-abc');
  assert.equal(error.resourceType, 'space');
  assert.equal(error.$metadata.httpStatusCode, 404);
});

test('reads the error type from every header form the service uses', async (t) => {
  for (const header of [
    'ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.service/',
    'aws.protocols#ThrottlingException',
    'com.amazonaws.repostspace#ThrottlingException:http://internal.amazon.com/',
    'ThrottlingException,ThrottlingException',
  ]) {
    await t.test(header, async (t) => {
      // Prepare
      const server = await startServer(
        t,
        jsonError(429, header, { message: 'Slow' }, { 'retry-after': '2' }),
      );
      const client = clientFor(t, server.url);

      // Act
      const error = await rejectionOf(client.sendInvites(INPUT));

      // Assess
      assert.ok(error instanceof ThrottlingException);
      assert.equal(error.name, 'ThrottlingException');
      assert.equal(error.retryAfterSeconds, 2);
    });
  }
});

test('reads the error type from the body when the header is missing', async (t) => {
  for (const body of [
    { __type: 'com.amazonaws.repostspace#ResourceNotFoundException', resourceId: 's1' },
    { code: 'ResourceNotFoundException', resourceId: 's1' },
  ]) {
    await t.test(JSON.stringify(body), async (t) => {
      // Prepare
      const server = await startServer(
        t,
        reply(404, { 'content-type': 'application/json' }, JSON.stringify(body)),
      );
      const client = clientFor(t, server.url);

      // Act
      const error = await rejectionOf(client.sendInvites(INPUT));

      // Assess
      assert.ok(error instanceof ResourceNotFoundException);
      assert.equal(error.resourceId, 's1');
    });
  }
});

test('prefers the header over the body for the error type', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    jsonError(403, 'AccessDeniedException', { __type: 'ValidationException', message: 'No' }),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof AccessDeniedException);
});

test('names an unknown error type after the service and keeps the fault from the status', async (t) => {
  for (const [status, fault] of [
    [400, 'client'],
    [503, 'server'],
  ] as const) {
    await t.test(String(status), async (t) => {
      // Prepare
      const server = await startServer(
        t,
        jsonError(status, 'ServiceQuotaExceededException', { message: 'Too many' }),
      );
      const client = clientFor(t, server.url);

      // Act
      const error = await rejectionOf(client.sendInvites(INPUT));

      // Assess
      assert.ok(error instanceof RepostspaceServiceException);
      assert.equal(Object.getPrototypeOf(error), RepostspaceServiceException.prototype);
      assert.equal(error.name, 'ServiceQuotaExceededException');
      assert.equal(error.message, 'Too many');
      assert.equal(error.$fault, fault);
      assert.deepEqual(error.$metadata, { httpStatusCode: status, requestId: 'req-1' });
    });
  }
});

test('rejects a body that is not JSON with UnknownError', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    reply(502, { 'content-type': 'text/html' }, '<html>Bad Gateway</html>'),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'UnknownError');
  assert.match(error.message, /HTTP 502.*not JSON/);
  assert.equal(error.$fault, 'server');
  assert.equal(error.$metadata.httpStatusCode, 502);
});

test('keeps a typed error when only the body is not JSON', async (t) => {
  // Prepare
  const server = await startServer(
    t,
    reply(429, { 'x-amzn-errortype': 'ThrottlingException', 'retry-after': '4' }, 'Rate exceeded'),
  );
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof ThrottlingException);
  assert.equal(error.retryAfterSeconds, 4);
  assert.match(error.message, /ThrottlingException \(HTTP 429\)/);
});

test('rejects with NetworkingError when the server drops the connection', async (t) => {
  // Prepare
  const server = await startServer(t, (request) => request.socket.destroy());
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'NetworkingError');
  assert.equal(error.$fault, 'server');
  assert.deepEqual(error.$metadata, {});
  assert.equal((error.cause as { code?: string }).code, 'ECONNRESET');
  assert.equal(server.received.length, 1);
});

test('rejects with NetworkingError when nothing listens', async (t) => {
  // Prepare
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const client = clientFor(t, `http://127.0.0.1:${port}`);

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'NetworkingError');
  assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
});

test('rejects with TimeoutError when the service never answers', { timeout: 5_000 }, async (t) => {
  // Prepare
  const server = await startServer(t, () => {});
  const client = clientFor(t, server.url, { requestTimeoutMs: 100 });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'TimeoutError');
  assert.equal(error.$fault, 'server');
  assert.ok(error.cause instanceof Error);
  assert.equal(server.received.length, 1);
});

test('rejects with TimeoutError when the answer stalls after its headers', {
  timeout: 5_000,
}, async (t) => {
  // Prepare
  const server = await startServer(t, (_request, response) => {
    response.writeHead(500, { 'x-amzn-errortype': 'InternalServerException' });
    response.write('{"mess');
  });
  const client = clientFor(t, server.url, { requestTimeoutMs: 100 });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'TimeoutError');
});

test('refuses an empty space ID before calling the service', async (t) => {
  // Prepare
  const server = await startServer(t, reply(200, {}));
  const client = clientFor(t, server.url);

  // Act
  const error = await rejectionOf(client.sendInvites({ ...INPUT, spaceId: '' }));

  // Assess
  assert.ok(error instanceof TypeError);
  assert.equal(server.received.length, 0);
});

test('signs for the region it is given and rejects an endpoint that is not http(s) or an empty region', (t) => {
  // Prepare
  const endpoint = 'http://127.0.0.1:1/base';

  // Act
  const client = clientFor(t, endpoint, { region: 'ap-south-1' });

  // Assess
  assert.equal(client.region, 'ap-south-1');
  assert.equal(client.endpoint.href, endpoint);
  assert.throws(
    () => new RepostspaceClient({ region: REGION, endpoint: 'ftp://example.com' }),
    RepostspaceConfigurationError,
  );
  assert.throws(
    () => new RepostspaceClient({ region: REGION, endpoint: 'not a url' }),
    RepostspaceConfigurationError,
  );
  assert.throws(
    () => new RepostspaceClient({ region: ' ', endpoint: 'https://example.com' }),
    RepostspaceConfigurationError,
  );
});

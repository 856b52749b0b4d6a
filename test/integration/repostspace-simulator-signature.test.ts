import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import {
  MAX_CLOCK_SKEW_MS,
  type RepostspaceSimulatorOptions,
  startRepostspaceSimulator,
} from '../../infra/local/repostspace-simulator/index.ts';
import {
  RepostspaceClient,
  RepostspaceServiceException,
} from '../../shared/adapters/repostspace/index.ts';
import type { SendInvitesInput } from '../../shared/domain/ports.ts';
import { rejectionOf } from '../helpers/rejection-of.ts';

const ACCEPTED: AwsCredentialIdentity = {
  accessKeyId: 'LOCALSTACKKEY',
  secretAccessKey: 'local-stack-secret',
};

const INPUT: SendInvitesInput = {
  spaceId: 'space-1',
  accessorIds: ['alice', 'bob'],
  title: 'Welcome',
  body: 'Join our private re:Post.',
};

const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

async function startSimulator(t: TestContext, options: RepostspaceSimulatorOptions = {}) {
  const simulator = await startRepostspaceSimulator({ port: 0, credentials: ACCEPTED, ...options });
  t.after(() => simulator.stop());
  return simulator;
}

function clientFor(t: TestContext, url: string, credentials: AwsCredentialIdentity) {
  const client = new RepostspaceClient({ region: 'us-east-1', endpoint: url, credentials });
  t.after(() => client.destroy());
  return client;
}

/**
 * A SendInvites call signed with `ACCEPTED`, as raw headers and body to send (or tamper with).
 * `withPayloadHeader: false` signs as `curl --aws-sigv4` does: no `x-amz-content-sha256`.
 */
async function signedCall(url: string, signingDate = new Date(), withPayloadHeader = true) {
  const endpoint = new URL(url);
  const body = JSON.stringify({ accessorIds: INPUT.accessorIds, title: 'T', body: 'B' });
  const signed = await new SignatureV4({
    service: 'repostspace',
    region: 'us-east-1',
    credentials: ACCEPTED,
    sha256: Sha256,
    applyChecksum: withPayloadHeader,
  }).sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path: '/spaces/space-1/invite',
      headers: { host: endpoint.host, 'content-type': 'application/json' },
      body,
    }),
    { signingDate },
  );
  const { host: _host, ...headers } = signed.headers;
  return { target: `${url}/spaces/space-1/invite`, headers, body };
}

async function errorOf(response: Response) {
  return {
    status: response.status,
    type: response.headers.get('x-amzn-errortype'),
    message: ((await response.json()) as { message: string }).message,
  };
}

test("delivers a call the project's own client signs with the accepted credentials", async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url, ACCEPTED);

  // Act
  const output = await client.sendInvites(INPUT);

  // Assess
  assert.match(output.requestId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(simulator.deliveries.count('space-1', 'alice'), 1);
});

test('refuses a signature made with another secret with 403 InvalidSignatureException', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url, { ...ACCEPTED, secretAccessKey: 'guessed' });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'InvalidSignatureException');
  assert.equal(error.message, SIGNATURE_MISMATCH);
  assert.equal(error.$metadata.httpStatusCode, 403);
  assert.equal(simulator.stats().deliveries, 0);
  assert.equal(simulator.stats().rejected, 1);
});

test('refuses an access key it does not know with 403 UnrecognizedClientException', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const client = clientFor(t, simulator.url, { ...ACCEPTED, accessKeyId: 'AKIDOTHER' });

  // Act
  const error = await rejectionOf(client.sendInvites(INPUT));

  // Assess
  assert.ok(error instanceof RepostspaceServiceException);
  assert.equal(error.name, 'UnrecognizedClientException');
  assert.equal(error.$metadata.httpStatusCode, 403);
});

test('delivers a call signed without x-amz-content-sha256, as curl --aws-sigv4 signs, and refuses it with another body', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const call = await signedCall(simulator.url, new Date(), false);
  const send = (body: string) =>
    fetch(call.target, { method: 'POST', headers: call.headers, body });

  // Act
  const tampered = await send(call.body.replace('"T"', '"Click here"'));
  const accepted = await send(call.body);

  // Assess
  assert.equal(call.headers['x-amz-content-sha256'], undefined);
  assert.equal(tampered.status, 403);
  assert.equal(accepted.status, 200, await accepted.text());
  assert.equal(simulator.deliveries.count('space-1', 'alice'), 1);
});

test('refuses a body other than the one signed', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const call = await signedCall(simulator.url);
  const tampered = call.body.replace('"T"', '"Click here"');

  // Act
  const response = await fetch(call.target, {
    method: 'POST',
    headers: call.headers,
    body: tampered,
  });

  // Assess
  assert.equal(response.status, 403);
  assert.equal(response.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  assert.equal(simulator.stats().deliveries, 0);
});

test('accepts an x-amz-date up to 15 minutes off its clock, and refuses one beyond', async (t) => {
  // Prepare
  const now = Date.parse('2026-05-01T12:00:00Z');
  const simulator = await startSimulator(t, { now: () => now });
  const send = async (offsetMs: number) => {
    const call = await signedCall(simulator.url, new Date(now + offsetMs));
    return fetch(call.target, { method: 'POST', headers: call.headers, body: call.body });
  };

  // Act
  const withinPast = await send(-MAX_CLOCK_SKEW_MS);
  const withinFuture = await send(MAX_CLOCK_SKEW_MS);
  const expired = await send(-MAX_CLOCK_SKEW_MS - 1000);
  const early = await send(MAX_CLOCK_SKEW_MS + 1000);

  // Assess
  assert.deepEqual([withinPast.status, withinFuture.status], [200, 200]);
  assert.deepEqual(await errorOf(expired), {
    status: 403,
    type: 'InvalidSignatureException',
    message:
      'Signature expired: 20260501T114459Z is now earlier than 20260501T114500Z (20260501T120000Z - 15 min.)',
  });
  assert.deepEqual(await errorOf(early), {
    status: 403,
    type: 'InvalidSignatureException',
    message:
      'Signature not yet current: 20260501T121501Z is still later than 20260501T121500Z (20260501T120000Z + 15 min.)',
  });
});

test('refuses an x-amz-content-sha256 that is not the hash of the body', async (t) => {
  // Prepare
  const simulator = await startSimulator(t);
  const call = await signedCall(simulator.url);

  // Act
  const response = await fetch(call.target, {
    method: 'POST',
    headers: { ...call.headers, 'x-amz-content-sha256': '0'.repeat(64) },
    body: call.body,
  });

  // Assess
  assert.deepEqual(await errorOf(response), {
    status: 403,
    type: 'InvalidSignatureException',
    message: 'The provided x-amz-content-sha256 header does not match what was computed.',
  });
});

test('takes the accepted credentials from a provider, as the local stack passes them', async (t) => {
  // Prepare
  let resolved = 0;
  const simulator = await startSimulator(t, {
    credentials: async () => {
      resolved++;
      return ACCEPTED;
    },
  });
  const client = clientFor(t, simulator.url, ACCEPTED);

  // Act
  await client.sendInvites(INPUT);

  // Assess
  assert.equal(resolved, 1);
  assert.equal(simulator.stats().deliveries, 1);
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  hasValidSignature,
  parseAuthorization,
} from '../../../infra/local/repostspace-simulator/verify-sigv4.ts';
import {
  createSigV4Signer,
  type OutgoingRequest,
  resolveSigningRegion,
  sendUnsigned,
  shouldSign,
} from '../../../scripts/lib/sign-request.ts';

const CREDENTIALS = { accessKeyId: 'AKIDSCRIPTS', secretAccessKey: 'scripts-secret' };
const SIGNING_DATE = new Date('2026-03-01T12:34:56Z');

function request(body = '{"accessorIds":["a"],"title":"T","body":"B"}'): OutgoingRequest {
  return {
    method: 'POST',
    url: new URL('https://abc123.execute-api.eu-west-1.amazonaws.com/prod/spaces/SP1/invite'),
    headers: { 'content-type': 'application/json' },
    body,
  };
}

describe('createSigV4Signer', () => {
  it('adds a SigV4 authorization for execute-api that @smithy/signature-v4 verifies', async () => {
    const sign = createSigV4Signer({
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      now: () => SIGNING_DATE,
    });
    const outgoing = request();

    const headers = await sign(outgoing);

    const authorization = parseAuthorization(headers.authorization);
    assert.ok(authorization);
    assert.deepEqual(
      [authorization.accessKeyId, authorization.date, authorization.region, authorization.service],
      ['AKIDSCRIPTS', '20260301', 'eu-west-1', 'execute-api'],
    );
    assert.deepEqual(authorization.signedHeaders, [
      'content-type',
      'host',
      'x-amz-content-sha256',
      'x-amz-date',
    ]);
    assert.equal(headers['x-amz-date'], '20260301T123456Z');
    assert.equal(headers.host, undefined, 'fetch writes Host itself');
    const received = {
      method: 'POST',
      url: outgoing.url.pathname,
      headers: { ...headers, host: outgoing.url.host },
      body: outgoing.body,
    };
    assert.equal(await hasValidSignature(received, CREDENTIALS, 'eu-west-1', 'execute-api'), true);
    assert.equal(
      await hasValidSignature(
        { ...received, body: `${outgoing.body} ` },
        CREDENTIALS,
        'eu-west-1',
        'execute-api',
      ),
      false,
    );
    assert.equal(await hasValidSignature(received, CREDENTIALS, 'eu-west-1', 'repostspace'), false);
  });

  it('signs the session token of temporary credentials and reads credentials per request', async () => {
    let calls = 0;
    const sign = createSigV4Signer({
      region: 'us-east-1',
      credentials: async () => {
        calls++;
        return { ...CREDENTIALS, sessionToken: `token-${calls}` };
      },
    });

    const first = await sign(request());
    const second = await sign(request());

    assert.equal(first['x-amz-security-token'], 'token-1');
    assert.equal(second['x-amz-security-token'], 'token-2');
    assert.ok(
      parseAuthorization(first.authorization)?.signedHeaders.includes('x-amz-security-token'),
    );
  });

  it('sendUnsigned passes the headers through', async () => {
    assert.deepEqual(await sendUnsigned(request()), { 'content-type': 'application/json' });
  });
});

describe('shouldSign', () => {
  const local = new URL('http://127.0.0.1:3000');
  const remote = new URL('https://abc123.execute-api.eu-west-1.amazonaws.com');

  it('signs unless the URL is loopback and the environment names no credentials', () => {
    assert.equal(shouldSign(undefined, remote, {}), true);
    assert.equal(shouldSign(undefined, local, {}), false);
    assert.equal(shouldSign(undefined, new URL('http://localhost:3000'), {}), false);
    assert.equal(shouldSign(undefined, local, { AWS_ACCESS_KEY_ID: 'AKID' }), true);
    assert.equal(shouldSign(undefined, local, { AWS_PROFILE: 'ops' }), true);
  });

  it('does as asked when asked', () => {
    assert.equal(shouldSign(false, remote, { AWS_ACCESS_KEY_ID: 'AKID' }), false);
    assert.equal(shouldSign(true, local, {}), true);
  });
});

describe('resolveSigningRegion', () => {
  const apiUrl = new URL('https://abc123.execute-api.ap-southeast-2.amazonaws.com/prod');
  const customDomain = new URL('https://invites.example.com');

  it('prefers --region, then the execute-api host, then the environment', () => {
    assert.equal(
      resolveSigningRegion('eu-central-1', apiUrl, { AWS_REGION: 'us-east-1' }),
      'eu-central-1',
    );
    assert.equal(
      resolveSigningRegion(undefined, apiUrl, { AWS_REGION: 'us-east-1' }),
      'ap-southeast-2',
    );
    assert.equal(
      resolveSigningRegion(undefined, customDomain, { AWS_REGION: 'us-west-2' }),
      'us-west-2',
    );
    assert.equal(
      resolveSigningRegion(undefined, customDomain, { AWS_DEFAULT_REGION: 'eu-north-1' }),
      'eu-north-1',
    );
  });

  it('falls back to us-east-1 for loopback only', () => {
    assert.equal(
      resolveSigningRegion(undefined, new URL('http://127.0.0.1:3000'), {}),
      'us-east-1',
    );
    assert.equal(resolveSigningRegion(undefined, customDomain, {}), undefined);
  });
});

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { describeCallFailure, failureHint } from '../../../scripts/lib/errors.ts';
import {
  SCRIPT_CLIENT_TIMEOUTS,
  scriptClientOptions,
} from '../../../scripts/lib/script-sqs-client.ts';
import { createSqsClient } from '../../../shared/adapters/sqs-client.ts';

/** The error an SQS call gets from a server that answers with `answer` (or never, without). */
async function sqsFailure(answer?: (response: ServerResponse) => void): Promise<unknown> {
  const server = createServer((_request, response) => answer?.(response)).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = createSqsClient({
    ...scriptClientOptions({}, endpoint, undefined),
    // The commands' 20 s would make this test slow; the path through the SDK is the same.
    timeouts: { requestTimeoutMs: 200, maxAttempts: 1 },
  });
  let failure: unknown;
  try {
    await assert.rejects(client.send(new GetQueueUrlCommand({ QueueName: 'invites' })), (error) => {
      failure = error;
      return true;
    });
    return failure;
  } finally {
    client.destroy();
    server.closeAllConnections();
    server.close();
  }
}

describe('what the operator commands say when a call fails', () => {
  it('give every AWS call the commands make a time limit and a number of tries', () => {
    assert.deepEqual(
      scriptClientOptions({}, 'http://127.0.0.1:4566', undefined).timeouts,
      SCRIPT_CLIENT_TIMEOUTS,
    );
    assert.equal(scriptClientOptions({}, undefined, 'eu-west-1').timeouts, SCRIPT_CLIENT_TIMEOUTS);
  });

  it('an endpoint that never answers', async () => {
    assert.equal(describeCallFailure(await sqsFailure()), 'the endpoint gave no answer in time');
  });

  it('an endpoint that answers with a web page, on one line', async () => {
    const error = await sqsFailure((response) => {
      response.writeHead(500, { 'content-type': 'text/html' });
      response.end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    });

    assert.equal(
      describeCallFailure(error),
      'the endpoint answered HTTP 500 with something that is not an AWS answer: is it the right endpoint?',
    );
  });

  it('a refusal without a body', async () => {
    const error = await sqsFailure((response) => {
      response.writeHead(403);
      response.end();
    });

    assert.equal(
      describeCallFailure(error),
      'the endpoint answered HTTP 403 without saying why: access denied, check the credentials and permissions',
    );
  });

  it('a fetch that failed, by its cause', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');

    const error = await fetch(`http://127.0.0.1:${port}/`).catch((failure: unknown) => failure);

    assert.equal(describeCallFailure(error), `connect ECONNREFUSED 127.0.0.1:${port}`);
    assert.equal(failureHint(error, true), ' (is npm start running?)');
    assert.equal(failureHint(error, false), '');
  });

  it('missing credentials, with what to do locally and on AWS', () => {
    const error = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });

    assert.match(failureHint(error, true), /needs none: unset AWS_PROFILE/);
    assert.match(failureHint(error, false), /aws sso login/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../../../scripts/status.ts';

/** Runs the command with a fetch that records calls instead of making them. */
async function run(argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const calls: string[] = [];
  const exitCode = await main(argv, {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    env: {},
    fetch: async (input) => {
      calls.push(String(input));
      return new Response('{}', { status: 404 });
    },
    sleep: async () => undefined,
  });
  return { exitCode, stdout: stdout.join(''), stderr: stderr.join(''), calls };
}

describe('npm run status arguments', () => {
  for (const url of ['localhost:3000', 'ftp://127.0.0.1/']) {
    it(`refuses --url ${url}, saying an http or https URL is expected, before any call`, async () => {
      const { exitCode, stderr, calls } = await run(['--url', url, 'abc']);

      assert.equal(exitCode, 2);
      assert.match(stderr, /^status: --url must be an http or https URL: /);
      assert.match(stderr, /http:\/\/127\.0\.0\.1:3000/);
      assert.doesNotMatch(stderr, /region/);
      assert.deepEqual(calls, []);
    });
  }

  it('says what a URL should look like when --url does not parse', async () => {
    const { exitCode, stderr } = await run(['--url', '127.0.0.1:3000', 'abc']);

    assert.equal(exitCode, 2);
    assert.match(stderr, /^status: --url is not a URL: 127\.0\.0\.1:3000; expected http:\/\//);
  });

  it('refuses a --url with a query, as npm run invite does, since the query would be dropped', async () => {
    const { exitCode, stderr, calls } = await run([
      '--url',
      'http://127.0.0.1:3000/?stage=prod',
      'abc',
    ]);

    assert.equal(exitCode, 2);
    assert.match(stderr, /^status: --url must be the API's base URL, without a query or fragment/);
    assert.deepEqual(calls, []);
  });

  for (const requestId of ['', ' ', 'a/b', 'x'.repeat(129)]) {
    it(`refuses the request ID ${JSON.stringify(requestId.slice(0, 10))} as the status API would, before any call`, async () => {
      const { exitCode, stderr, calls } = await run(['--url', 'http://127.0.0.1:3000', requestId]);

      assert.equal(exitCode, 2);
      assert.match(stderr, /^status: Invalid request ID ".*": must be 1 to 128 letters, digits/);
      assert.deepEqual(calls, []);
    });
  }

  it('sends a request ID the status API accepts', async () => {
    const { calls } = await run(['--url', 'http://127.0.0.1:3000', 'Zx9.a_b:c=d+e-f']);

    assert.deepEqual(calls, ['http://127.0.0.1:3000/requests/Zx9.a_b%3Ac%3Dd%2Be-f']);
  });
});

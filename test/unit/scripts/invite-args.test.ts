import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INVITE_USAGE, main, parseInviteArgs } from '../../../scripts/invite.ts';
import { UsageError } from '../../../scripts/lib/errors.ts';

const REQUIRED = ['--url', 'http://127.0.0.1:3000', '--space', 'SP1', '--file', 'ids.txt'];
const TEXT = ['--title', 'Welcome', '--body', 'Join us'];

function io() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    env: {},
    out: () => stdout.join(''),
    err: () => stderr.join(''),
  };
}

describe('invite command line', () => {
  it('reads the required options and leaves the rest to their defaults', () => {
    assert.deepEqual(parseInviteArgs([...REQUIRED, ...TEXT]), {
      help: false,
      options: {
        url: 'http://127.0.0.1:3000',
        spaceId: 'SP1',
        file: 'ids.txt',
        title: 'Welcome',
        body: 'Join us',
      },
    });
  });

  it('reads every optional option, --no-sign and --no-header included', () => {
    const parsed = parseInviteArgs([
      ...REQUIRED,
      ...TEXT,
      '--region',
      'eu-west-1',
      '--ids-per-request',
      '5_000',
      '--concurrency',
      '4',
      '--no-sign',
      '--column',
      'email',
      '--no-header',
      '--report',
      'out.json',
    ]);

    assert.equal(parsed.help, false);
    assert.deepEqual(parsed.help ? undefined : parsed.options, {
      url: 'http://127.0.0.1:3000',
      spaceId: 'SP1',
      file: 'ids.txt',
      title: 'Welcome',
      body: 'Join us',
      region: 'eu-west-1',
      idsPerRequest: 5_000,
      concurrency: 4,
      sign: false,
      column: 'email',
      header: false,
      report: 'out.json',
    });
  });

  it('names every missing option and rejects bad numbers', () => {
    assert.throws(
      () => parseInviteArgs(['--url', 'x']),
      /Missing --space, --file, --title, --body/,
    );
    assert.throws(
      () => parseInviteArgs([...REQUIRED, ...TEXT, '--concurrency', '0']),
      /--concurrency must be a whole number from 1 to 64, got "0"/,
    );
    assert.throws(
      () => parseInviteArgs([...REQUIRED, ...TEXT, '--ids-per-request', '2.5']),
      UsageError,
    );
    assert.throws(() => parseInviteArgs([...REQUIRED, ...TEXT, 'stray']), UsageError);
    // Separators group thousands only: a slip or a decimal comma is refused, not read as 16.
    for (const slip of ['1,6', '2,5', '1_0', ',100', '1,0000']) {
      assert.throws(
        () => parseInviteArgs([...REQUIRED, ...TEXT, '--ids-per-request', slip]),
        /--ids-per-request must be a whole number/,
        slip,
      );
    }
    const grouped = parseInviteArgs([...REQUIRED, ...TEXT, '--ids-per-request', '12,000']);
    assert.equal(grouped.help ? undefined : grouped.options.idsPerRequest, 12_000);
  });

  it('prints the usage for --help and -h', async () => {
    const out = io();

    assert.equal(await main(['-h'], out), 0);
    assert.equal(out.out(), INVITE_USAGE);
  });

  it('exits 2 for invalid arguments and input, before reading or sending anything', async () => {
    const out = io();

    assert.equal(await main(['--url', 'x'], out), 2);
    assert.equal(
      await main(['--url', 'ftp://host', '--space', 'SP1', '--file', 'x', ...TEXT], out),
      2,
    );
    assert.equal(
      await main(
        [
          ...REQUIRED.slice(0, 2),
          '--space',
          'a b',
          '--file',
          'x',
          '--title',
          '',
          '--body',
          'x'.repeat(601),
        ],
        out,
      ),
      2,
    );
    assert.match(out.err(), /invite: Missing --space, --file, --title, --body/);
    assert.match(out.err(), /invite: --url must be an http or https URL: ftp:\/\/host/);
    assert.match(
      out.err(),
      /spaceId must be 1 to 64 characters.*; title must be 1 to 200 characters long; body must be 1 to 600 characters long/,
    );
    assert.match(out.err(), /Nothing was sent/);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definedOptions, parseCommandLine } from '../../../scripts/lib/cli-args.ts';

describe('definedOptions', () => {
  it('leaves out undefined members and keeps every other value, falsy ones included', () => {
    const values = { region: undefined, rate: 0, sign: false, column: '', stage: 'dev' };

    const options = definedOptions(values);

    assert.deepEqual(options, { rate: 0, sign: false, column: '', stage: 'dev' });
    assert.equal(Object.hasOwn(options, 'region'), false);
  });
});

describe('parseCommandLine', () => {
  const options = { url: { type: 'string' } } as const;

  it('says to put the options after -- when npm ate them and passed their values on', () => {
    // `npm run invite --url http://127.0.0.1:3000` hands the script only the value.
    assert.throws(
      () => parseCommandLine(['http://127.0.0.1:3000'], options, 0),
      /Unexpected argument 'http:\/\/127\.0\.0\.1:3000'.*With npm run, put the command's options after a --: npm run <command> -- --option value/,
    );
    assert.throws(
      () => parseCommandLine(['req-1', 'req-2'], options, 1),
      /Unexpected argument "req-2"\. With npm run, put the command's options after a --/,
    );
    const parsed = parseCommandLine(['--url', 'http://x', 'req-1'], options, 1);
    assert.throws(
      () => parseCommandLine(['--url', 'http://x', 'req-1', 'req-2'], options, 1),
      (error: Error) => error.message === 'Unexpected argument "req-2"',
      'options reached the command, so npm ate none of them',
    );
    assert.deepEqual({ ...parsed.values }, { url: 'http://x' });
    assert.deepEqual(parsed.positionals, ['req-1']);
  });
});

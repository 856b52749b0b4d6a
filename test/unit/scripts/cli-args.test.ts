import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { definedOptions } from '../../../scripts/lib/cli-args.ts';

describe('definedOptions', () => {
  it('leaves out undefined members and keeps every other value, falsy ones included', () => {
    const values = { region: undefined, rate: 0, sign: false, column: '', stage: 'dev' };

    const options = definedOptions(values);

    assert.deepEqual(options, { rate: 0, sign: false, column: '', stage: 'dev' });
    assert.equal(Object.hasOwn(options, 'region'), false);
  });
});

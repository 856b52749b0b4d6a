import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REQUEST_LIMITS } from '../../../shared/domain/constants.ts';
import { FieldProblems } from '../../../shared/domain/field-problems.ts';
import { parkReasonFor } from '../../../shared/domain/park-reason.ts';

describe('parkReasonFor', () => {
  it('names each failing field once, with the count of those not listed', () => {
    const problems = new FieldProblems();
    for (let index = 0; index < REQUEST_LIMITS.maxListedFieldErrors + 5; index++) {
      problems.add(`accessorIds[${index}]`, 'accessor ID must not be empty');
    }

    const { errorType, errorMessage } = parkReasonFor(problems.toError());

    assert.equal(errorType, 'ValidationException');
    assert.match(errorMessage, /^Invalid input: accessorIds\[0\]: accessor ID must not be empty; /);
    assert.match(errorMessage, /accessorIds\[99\]: accessor ID must not be empty \(and 5 more\)$/);
    assert.equal(errorMessage.match(/accessorIds\[0\]/g)?.length, 1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InviteValidationError } from '../../../shared/domain/errors.ts';
import { parseHrEvent } from '../../../shared/domain/hr-event.ts';

const rules = {
  source: 'hr.events',
  defaultSpaceId: 'SPDEFAULT',
  defaultInvite: { title: 'Hi', body: 'Welcome' },
};
const event = (detailType: string, detail: unknown, source = 'hr.events') => ({
  source,
  'detail-type': detailType,
  detail,
});

describe('parseHrEvent', () => {
  it('turns Employee Onboarded into one invite with the default title, body and space', () => {
    assert.deepEqual(parseHrEvent(event('Employee Onboarded', { accessorId: 'new-hire' }), rules), {
      spaceId: 'SPDEFAULT',
      accessorIds: ['new-hire'],
      title: 'Hi',
      body: 'Welcome',
    });
  });

  it('uses the event space over the default', () => {
    const request = parseHrEvent(
      event('Employee Onboarded', { accessorId: 'a', spaceId: 'SPOTHER' }),
      rules,
    );

    assert.equal(request.spaceId, 'SPOTHER');
  });

  it('needs a space when no default is configured', () => {
    const { defaultSpaceId: _, ...noDefault } = rules;

    assert.throws(
      () => parseHrEvent(event('Employee Onboarded', { accessorId: 'a' }), noDefault),
      (error: InviteValidationError) => error.fieldList[0]?.name === 'spaceId',
    );
  });

  it('lists both problems of a bad onboarding event', () => {
    assert.throws(
      () =>
        parseHrEvent(event('Employee Onboarded', { accessorId: '', spaceId: 'no/slash' }), rules),
      (error: InviteValidationError) =>
        error.fieldList.map((field) => field.name).join() === 'accessorId,spaceId',
    );
  });

  it('treats Invite Requested as the HTTP request', () => {
    const detail = { spaceId: 'SPX', accessorIds: ['a', 'a', 'b'], title: 'T', body: 'B' };

    assert.deepEqual(parseHrEvent(event('Invite Requested', detail), rules), {
      spaceId: 'SPX',
      accessorIds: ['a', 'b'],
      title: 'T',
      body: 'B',
    });
  });

  it('rejects other sources, other detail-types and non-object details', () => {
    const cases: [ReturnType<typeof event>, string][] = [
      [event('Employee Onboarded', { accessorId: 'a' }, 'evil.source'), 'other'],
      [event('Employee Fired', { accessorId: 'a' }), 'unknownOperation'],
      [event('Invite Requested', 'text'), 'cannotParse'],
      [event('Employee Onboarded', null), 'cannotParse'],
    ];
    for (const [input, reason] of cases) {
      assert.throws(
        () => parseHrEvent(input, rules),
        (error) => error instanceof InviteValidationError && error.reason === reason,
      );
    }
  });
});

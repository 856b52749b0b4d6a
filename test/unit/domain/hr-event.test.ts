import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InviteValidationError } from '../../../shared/domain/errors.ts';
import { parseHrEvent } from '../../../shared/domain/hr-event.ts';

const rules = {
  source: 'hr.events',
  defaultSpaceId: 'SPDEFAULT',
  defaultInvite: { title: 'Hi', body: 'Welcome' },
};
const event = (
  detailType: string,
  detail: unknown,
  source = 'hr.events',
  account = '123456789012',
) => ({
  source,
  account,
  'detail-type': detailType,
  detail,
});

describe('parseHrEvent', () => {
  it('refuses an event from an account other than the HR one, and takes any account without one', () => {
    // Prepare
    const strict = { ...rules, account: '123456789012' };
    const onboarded = (account: string) =>
      event('Employee Onboarded', { accessorId: 'new-hire' }, 'hr.events', account);

    // Act & Assess
    assert.throws(() => parseHrEvent(onboarded('999999999999'), strict), {
      name: 'InviteValidationError',
      message: /account "999999999999" is not the HR account "123456789012"/,
    });
    assert.equal(parseHrEvent(onboarded('123456789012'), strict).accessorIds[0], 'new-hire');
    assert.equal(parseHrEvent(onboarded('999999999999'), rules).accessorIds[0], 'new-hire');
  });

  it('turns Employee Onboarded into one invite with the default title, body and space', () => {
    assert.deepEqual(parseHrEvent(event('Employee Onboarded', { accessorId: 'new-hire' }), rules), {
      spaceId: 'SPDEFAULT',
      accessorIds: ['new-hire'],
      title: 'Hi',
      body: 'Welcome',
      resend: false,
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

  it('refuses an onboarding event whose space or accessor field is misspelt, rather than use the default space', () => {
    for (const [detail, name] of [
      [{ accessorId: 'a', SpaceId: 'SPOTHER' }, 'SpaceId'],
      [{ accessorId: 'a', accessor_id: 'b' }, 'accessor_id'],
    ] as const) {
      assert.throws(
        () => parseHrEvent(event('Employee Onboarded', detail), rules),
        (error: InviteValidationError) =>
          error.fieldList.length === 1 &&
          error.fieldList[0]?.name === name &&
          /is not a field; did you mean/.test(error.fieldList[0].message),
      );
    }
  });

  it('refuses an Invite Requested whose dry-run flag is misspelt, as it refuses the flag', () => {
    const detail = { spaceId: 'SPX', accessorIds: ['a'], title: 'T', body: 'B', dryrun: true };

    assert.throws(
      () => parseHrEvent(event('Invite Requested', detail), rules),
      (error: InviteValidationError) => error.fieldList[0]?.name === 'dryrun',
    );
  });

  for (const misspelt of ['dryrun', 'DryRun', 'dry_run']) {
    it(`refuses an Employee Onboarded whose dry-run flag is spelt ${misspelt}`, () => {
      const detail = { accessorId: 'new.hire@example.com', [misspelt]: true };

      assert.throws(
        () => parseHrEvent(event('Employee Onboarded', detail), rules),
        (error: InviteValidationError) =>
          error.fieldList.length === 1 &&
          error.fieldList[0]?.name === misspelt &&
          /did you mean dryRun/.test(error.fieldList[0].message),
      );
    });
  }

  it('treats Invite Requested as the HTTP request', () => {
    const detail = { spaceId: 'SPX', accessorIds: ['a', 'a', 'b'], title: 'T', body: 'B' };

    assert.deepEqual(parseHrEvent(event('Invite Requested', detail), rules), {
      spaceId: 'SPX',
      accessorIds: ['a', 'b'],
      title: 'T',
      body: 'B',
      resend: false,
      plainAsciiIds: true,
    });
  });

  it('refuses an event of either type that asks for a dry run, whatever the flag says', () => {
    for (const dryRun of [true, false, 'yes']) {
      const details = [
        ['Invite Requested', { spaceId: 'SPX', accessorIds: ['a'], title: 'T', body: 'B', dryRun }],
        ['Employee Onboarded', { accessorId: 'a', spaceId: 'SPX', dryRun }],
      ] as const;

      for (const [type, detail] of details) {
        assert.throws(
          () => parseHrEvent(event(type, detail), rules),
          (error: InviteValidationError) =>
            error.fieldList.length === 1 &&
            error.fieldList[0]?.name === 'dryRun' &&
            /HTTP API only/.test(error.fieldList[0].message),
          `${type}, dryRun ${dryRun}`,
        );
      }
    }
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

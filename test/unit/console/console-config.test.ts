import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConsoleConfig } from '../../../scripts/console/console-config.ts';

/** The stack target `argv` makes. */
function stackTarget(argv: string[]) {
  const read = readConsoleConfig(argv, {});
  assert.ok(!read.help && read.config.target.kind === 'stack');
  return read.config.target;
}

describe('the console pointed at a deployed stack', () => {
  it("reads the metrics of that stack's stage: the service dimension is the stack's name", () => {
    assert.equal(
      stackTarget(['--stack', 'repost-invite-pipeline-prod']).service,
      'repost-invite-pipeline-prod',
    );
  });

  it('takes another service dimension when told', () => {
    assert.equal(
      stackTarget(['--stack', 'repost-invite-pipeline-prod', '--service', 'other']).service,
      'other',
    );
  });
});

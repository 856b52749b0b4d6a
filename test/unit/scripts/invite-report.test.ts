import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UsageError } from '../../../scripts/lib/errors.ts';
import {
  prepareReport,
  RUN_NOT_FINISHED,
  UNFINISHED_REPORT,
} from '../../../scripts/lib/invite-report.ts';

const HEADER = 'accessorId,result,errorType,errorMessage,requestId\n';
const STALE = `${HEADER}old,failed,X,last week,R0\n`;
const STARTED_AT = '2026-12-02T04:00:00.000Z';
/** The run's accessors, as `prepareReport` is given them. */
const RUN = { accessorIds: ['alice', 'bob'], startedAt: STARTED_AT };

describe('prepareReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'invite-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an earlier run’s files before any request with ones that say the run has not finished', async () => {
    const ids = join(dir, 'ids.txt');
    writeFileSync(ids, 'alice\nbob\n');
    writeFileSync(join(dir, 'out.csv'), STALE);
    writeFileSync(join(dir, 'out.json'), '{"finishedAt":"last week"}\n');

    await prepareReport(join(dir, 'out.json'), { accessorFile: ids, notInvitedCsv: true, ...RUN });

    // Killed now, the run leaves no file that reads as done: every accessor is unknown.
    const unknown = `unknown,${RUN_NOT_FINISHED},${UNFINISHED_REPORT.message},`;
    assert.equal(
      readFileSync(join(dir, 'out.csv'), 'utf8'),
      `${HEADER}alice,${unknown}\nbob,${unknown}\n`,
    );
    assert.deepEqual(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')), {
      ...UNFINISHED_REPORT,
      startedAt: STARTED_AT,
    });
  });

  it('leaves the CSV alone, and may be named like the accessor file, when the run writes none', async () => {
    const ids = join(dir, 'hires.csv');
    writeFileSync(ids, 'accessorId\nalice\n');

    await prepareReport(join(dir, 'hires'), { accessorFile: ids, notInvitedCsv: false, ...RUN });

    assert.equal(readFileSync(ids, 'utf8'), 'accessorId\nalice\n');
  });

  it('refuses, as a usage error, a report that is the accessor file, and writes nothing', async () => {
    const ids = join(dir, 'mine.txt');
    writeFileSync(ids, 'alice\n');

    await assert.rejects(
      prepareReport(ids, { accessorFile: ids, notInvitedCsv: false, ...RUN }),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2,
    );
    assert.equal(readFileSync(ids, 'utf8'), 'alice\n');
  });
});

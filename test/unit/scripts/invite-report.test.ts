import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { UsageError } from '../../../scripts/lib/errors.ts';
import { prepareReport } from '../../../scripts/lib/invite-report.ts';

const HEADER = 'accessorId,result,errorType,errorMessage,requestId\n';
const STALE = `${HEADER}old,failed,X,last week,R0\n`;

describe('prepareReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'invite-report-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replaces an earlier run’s CSV with its header before any request, when the run writes one', async () => {
    const ids = join(dir, 'ids.txt');
    writeFileSync(ids, 'alice\n');
    writeFileSync(join(dir, 'out.csv'), STALE);

    await prepareReport(join(dir, 'out.json'), { accessorFile: ids, notInvitedCsv: true });

    assert.equal(readFileSync(join(dir, 'out.csv'), 'utf8'), HEADER);
    assert.equal(readFileSync(join(dir, 'out.json'), 'utf8'), '{}\n');
  });

  it('leaves the CSV alone, and may be named like the accessor file, when the run writes none', async () => {
    const ids = join(dir, 'hires.csv');
    writeFileSync(ids, 'accessorId\nalice\n');

    await prepareReport(join(dir, 'hires'), { accessorFile: ids, notInvitedCsv: false });

    assert.equal(readFileSync(ids, 'utf8'), 'accessorId\nalice\n');
  });

  it('refuses, as a usage error, a report that is the accessor file, and writes nothing', async () => {
    const ids = join(dir, 'mine.txt');
    writeFileSync(ids, 'alice\n');

    await assert.rejects(
      prepareReport(ids, { accessorFile: ids, notInvitedCsv: false }),
      (error: unknown) => error instanceof UsageError && error.exitCode === 2,
    );
    assert.equal(readFileSync(ids, 'utf8'), 'alice\n');
  });
});

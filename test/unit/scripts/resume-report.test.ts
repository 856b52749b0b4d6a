import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UsageError } from '../../../scripts/lib/errors.ts';
import { readResumeKeys } from '../../../scripts/lib/resume-report.ts';

const SPACE = 'SPexampleA0000000000000';
const BATCHES = [['a', 'b'], ['c']];
const REQUESTS = [
  { index: 1, firstAccessor: 1, accessorCount: 2, status: 'accepted', idempotencyKey: 'k-1' },
  { index: 2, firstAccessor: 3, accessorCount: 1, status: 'failed', idempotencyKey: 'k-2' },
];

describe('readResumeKeys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resume-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  function report(name: string, content: unknown): string {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  }

  it('gives each request of a run split the same way its key, accepted or not', async () => {
    const path = report('same.json', { spaceId: SPACE, requests: REQUESTS });

    const keys = await readResumeKeys(path, { spaceId: SPACE, batches: BATCHES });

    assert.deepEqual(
      [...keys],
      [
        [1, 'k-1'],
        [2, 'k-2'],
      ],
    );
  });

  it('refuses, as a usage error, a report it cannot take the keys of', async () => {
    const cases: [string, unknown, RegExp][] = [
      ['unreadable.json', '{"requests": [', /cannot read the report/],
      ['killed.json', { unfinished: true, startedAt: 'x' }, /did not finish its report/],
      [
        'dry-run.json',
        { spaceId: SPACE, requests: REQUESTS.map(({ idempotencyKey: _key, ...rest }) => rest) },
        /a dry run keeps no keys/,
      ],
      ['other-space.json', { spaceId: 'SPother', requests: REQUESTS }, /invited to SPother/],
      [
        'other-split.json',
        { spaceId: SPACE, requests: [{ ...REQUESTS[0], accessorCount: 3 }] },
        /split its accessors otherwise/,
      ],
    ];
    for (const [name, content, message] of cases) {
      await assert.rejects(
        readResumeKeys(report(name, content), { spaceId: SPACE, batches: BATCHES }),
        (error: unknown) =>
          error instanceof UsageError && error.exitCode === 2 && message.test(error.message),
        name,
      );
    }
  });
});

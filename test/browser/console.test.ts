import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.ts';
import {
  type ConsoleContext,
  KNOWN_SPACE,
  startConsoleContext,
  UNKNOWN_SPACE,
} from '../helpers/console.ts';

const FAILED_IDS = ['erin@example.com', 'frank,"the tank"@example.com', 'grace@example.com'];

/** Reloads until the request's status shows, for a page that does not refresh itself (Failed). */
async function reloadUntilStatus(page: Page, status: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.locator(`#live .status.${status}`).count()) > 0) return;
    assert.ok(Date.now() < deadline, `the request did not reach ${status}`);
    await page.waitForTimeout(250);
    await page.reload();
  }
}

describe('the operator console in Chromium', () => {
  let context: ConsoleContext;
  let browser: Browser;
  let page: Page;
  let failedRequestId: string;

  before(async () => {
    // Settled both ways, so that the stack is stopped after even when Chromium fails to start.
    const [started, launched] = await Promise.allSettled([startConsoleContext(), launchChromium()]);
    if (started.status === 'fulfilled') context = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    for (const result of [started, launched]) if (result.status === 'rejected') throw result.reason;
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  after(async () => {
    await browser?.close();
    await context?.stop();
  });

  it('shows a request posted to the API reach Succeeded on the requests page', async () => {
    // Prepare
    const requestId = await context.invite(KNOWN_SPACE, ['alice@example.com', 'bob@example.com']);

    // Act
    await page.goto(`${context.server.url}/requests`);
    const row = page.locator('tbody tr', { hasText: requestId });

    // Assess
    await row.locator('.status.Succeeded').waitFor({ timeout: 15_000 });
    assert.match((await row.textContent()) ?? '', new RegExp(`${KNOWN_SPACE}[\\s\\S]*HTTP`));
    assert.equal(
      await row.locator('svg.bar').getAttribute('aria-label'),
      '2 invited, 0 skipped, 0 pending, 0 failed of 2',
    );
  });

  it('opens a failed request, groups its failure and downloads every failed accessor as CSV', async () => {
    // Prepare
    failedRequestId = await context.invite(UNKNOWN_SPACE, FAILED_IDS);
    await page.goto(`${context.server.url}/requests/${failedRequestId}`);
    await reloadUntilStatus(page, 'Failed');

    // Act
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download failed as CSV' }).click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');

    // Assess
    const reason = `ResourceNotFoundException,Space ${UNKNOWN_SPACE} not found`;
    assert.equal(download.suggestedFilename(), `${failedRequestId}-failed.csv`);
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    assert.equal(header, 'accessorId,errorType,errorMessage');
    assert.deepEqual(rows.sort(), [
      `"frank,""the tank""@example.com",${reason}`,
      `erin@example.com,${reason}`,
      `grace@example.com,${reason}`,
    ]);
    assert.match(
      (await page.locator('table', { hasText: 'Error type' }).first().textContent()) ?? '',
      /ResourceNotFoundExceptionSpace SPCONSOLEUNKNOWN00000000 not found3/,
    );
  });

  it('redrives the parked chunk once the space exists, and the request becomes Succeeded', async () => {
    // Prepare
    await page.goto(`${context.server.url}/dead-letters`);
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /ResourceNotFoundException 1 message, 3 accessors/,
    );
    context.stack.simulator?.setKnownSpaceIds(undefined);

    // Act
    await page.getByRole('link', { name: 'Redrive 1 message…' }).click();
    const warning = (await page.locator('main').textContent()) ?? '';
    await page.getByRole('button', { name: 'Move 1 message back' }).click();

    // Assess
    assert.match(
      warning,
      /ResourceNotFoundException \(1 message\): Succeeds only once the cause is fixed/,
    );
    await page.locator('#redrive', { hasText: 'Redrive completed: 1 message moved' }).waitFor();
    await page.goto(`${context.server.url}/requests/${failedRequestId}`);
    await reloadUntilStatus(page, 'Succeeded');
    assert.equal(context.stack.simulator?.deliveries.count(UNKNOWN_SPACE, 'erin@example.com'), 1);
  });
});

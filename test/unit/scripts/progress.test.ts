import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatBar,
  formatCount,
  formatDuration,
  formatInviteProgress,
  StatusDisplay,
} from '../../../scripts/lib/progress.ts';

function recorder(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (text: string) => chunks.push(text) };
}

/** A display off a terminal on a clock the test sets: `at(ms, line)` shows `line` at `ms`. */
function clockedDisplay(options: { intervalMs?: number } = {}) {
  let clock = 0;
  const out = recorder(false);
  const display = new StatusDisplay(out, { now: () => clock, ...options });
  const at = (ms: number, line: string) => {
    clock = ms;
    display.status(line);
  };
  return { out, display, at };
}

describe('progress formatting', () => {
  it('draws the share done as a bar', () => {
    assert.equal(formatBar(0, 10, 10), '[..........]');
    assert.equal(formatBar(5, 10, 10), '[#####.....]');
    assert.equal(formatBar(9_999, 10_000, 10), '[#########.]');
    assert.equal(formatBar(12, 10, 10), '[##########]');
    assert.equal(formatBar(0, 0, 4), '[####]');
  });

  it('shows IDs and requests with thousands separators', () => {
    const line = formatInviteProgress(
      { doneIds: 25_000, totalIds: 50_000, doneRequests: 3, totalRequests: 10, failedRequests: 0 },
      10,
    );

    assert.equal(line, '[#####.....] 25,000/50,000 IDs  3/10 requests');
  });

  it('adds the failed requests when there are any', () => {
    const line = formatInviteProgress(
      { doneIds: 2_000, totalIds: 2_000, doneRequests: 2, totalRequests: 2, failedRequests: 1 },
      4,
    );

    assert.equal(line, '[####] 2,000/2,000 IDs  2/2 requests  1 failed');
  });

  it('formats counts and durations', () => {
    assert.equal(formatCount(1_234_567), '1,234,567');
    assert.equal(formatDuration(250.4), '250 ms');
    assert.equal(formatDuration(1_540), '1.5 s');
  });
});

describe('StatusDisplay', () => {
  it('redraws one status line on a terminal and writes logged lines above it', () => {
    const out = recorder(true);
    const display = new StatusDisplay(out);

    display.status('[#...] 1/4');
    display.log('request 2/4 failed');
    display.status('[##..] 2/4');
    display.end();

    assert.deepEqual(out.chunks, [
      '\r\x1b[2K[#...] 1/4',
      '\r\x1b[2Krequest 2/4 failed\n[#...] 1/4',
      '\r\x1b[2K[##..] 2/4',
      '\n',
    ]);
  });

  it('writes logged lines as they come elsewhere, and no status while output is recent', () => {
    const out = recorder(false);
    const display = new StatusDisplay(out, { now: () => 0 });

    display.status('[#...] 1/4');
    display.log('request 1/4 accepted');
    display.end();

    assert.deepEqual(out.chunks, ['request 1/4 accepted\n']);
  });

  it('prints the status as a plain line elsewhere when it changed and the output was quiet long enough', () => {
    const { out, display, at } = clockedDisplay({ intervalMs: 10_000 });

    at(9_999, 'Deleted 10 of 40…');
    at(10_000, 'Deleted 20 of 40…');
    at(30_000, 'Deleted 20 of 40…');
    display.log('a request failed');
    at(35_000, 'Deleted 30 of 40…');
    at(45_000, 'Deleted 40 of 40…');
    display.end();

    assert.deepEqual(out.chunks, [
      'Deleted 20 of 40…\n',
      'a request failed\n',
      'Deleted 40 of 40…\n',
    ]);
  });

  it('prints an unchanged status again elsewhere after a minute of silence, so a long wait shows it is alive', () => {
    const { out, at } = clockedDisplay();

    at(10_000, 'Invited 5 of 10, pending 5');
    at(69_999, 'Invited 5 of 10, pending 5');
    at(70_000, 'Invited 5 of 10, pending 5');

    assert.deepEqual(out.chunks, ['Invited 5 of 10, pending 5\n', 'Invited 5 of 10, pending 5\n']);
  });
});

/**
 * `npm run console:screenshots`: the console's pages at 1280×800 (and the requests page at
 * phone width) as PNGs in docs/, against a local stack with a little of everything in it.
 */
import { mkdirSync } from 'node:fs';
import { launchChromium } from '../helpers/browser.ts';
import { KNOWN_SPACE, startConsoleContext, UNKNOWN_SPACE } from '../helpers/console.ts';

const DOCS = new URL('../../docs/', import.meta.url).pathname;
const SAMPLE_SECONDS = 20;

const context = await startConsoleContext({ LOCAL_THROTTLE_RATE: '2', LOCAL_THROTTLE_BURST: '2' });
const browser = await launchChromium();
try {
  const people = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, index) => `${prefix}-${index}@example.com`);
  for (let index = 0; index < 12; index++) {
    await context.invite(KNOWN_SPACE, people(`team${index}`, 40 + index * 25));
  }
  const failed = await context.invite(UNKNOWN_SPACE, people('contractor', 1_200));
  await fetch(context.stack.httpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSEvents.PutEvents',
    },
    body: JSON.stringify({
      Entries: [
        { Source: 'hr.events', DetailType: 'Employee Onboarded', Detail: '{"accessorId":""}' },
      ],
    }),
  });
  // The rate page needs seconds of samples: there is no event to wait for.
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_SECONDS * 1_000));

  mkdirSync(DOCS, { recursive: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const shots: [string, string][] = [
    ['/requests', 'console-requests.png'],
    [`/requests/${failed}`, 'console-request.png'],
    ['/dead-letters', 'console-dead-letters.png'],
    ['/dead-letters/redrive', 'console-redrive-confirm.png'],
    ['/rate', 'console-rate.png'],
  ];
  for (const [path, file] of shots) {
    await page.goto(`${context.server.url}${path}`);
    await page.screenshot({ path: `${DOCS}${file}` });
  }
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
  await phone.goto(`${context.server.url}/requests`);
  await phone.screenshot({ path: `${DOCS}console-requests-phone.png` });
  process.stdout.write(`Wrote ${shots.length + 1} screenshots to ${DOCS}\n`);
} finally {
  await browser.close();
  await context.stop();
}

import { formatCount } from '../../lib/progress.ts';
import type { RedriveState } from '../console-redrive.ts';
import {
  type DeadLetter,
  type DeadLetterGroup,
  REDRIVE_VERDICTS,
  type RedriveVerdict,
} from '../dead-letters.ts';
import { html, plural, type SafeHtml, time } from '../html.ts';
import type { DeadLetterSnapshot } from '../sqs-dead-letter-reader.ts';

/** Rows shown for each group; the counts cover them all. */
const ROWS_PER_GROUP = 50;

const VERDICT_LABELS: Record<RedriveVerdict, string> = {
  hopeless: 'Cannot succeed as it is',
  maybe: 'Succeeds only once the cause is fixed',
  retry: 'Should succeed',
};

export const SAFE_READ_NOTE =
  'Read with ReceiveMessage and VisibilityTimeout 0: every message is visible again at once, and the dead-letter queue has no redrive policy, so reading it moves or hides nothing (a redriven message starts with a fresh receive count). Each look is a receive, though: a message received three times no longer counts toward the DLQ age alarm (the not-empty alarm is unaffected).';

function requestLink(letter: DeadLetter): SafeHtml | string {
  if (letter.requestId === undefined) return '–';
  return letter.kind === 'chunk'
    ? html`<a href="/requests/${encodeURIComponent(letter.requestId)}">${letter.requestId}</a>`
    : letter.requestId;
}

function group(entry: DeadLetterGroup, index: number): SafeHtml {
  const rows = entry.letters.slice(0, ROWS_PER_GROUP).map(
    (letter) => html`<tr>
<td data-label="Message">${letter.errorMessage}</td>
<td data-label="Parked">${time(letter.parkedAt)}</td>
<td class="id" data-label="Request">${requestLink(letter)}</td>
<td data-label="Kind">${letter.kind === 'hr-event' ? 'HR event' : letter.kind}</td>
<td class="num" data-label="Accessors">${formatCount(letter.accessorCount)}</td>
</tr>`,
  );
  const more = entry.letters.length - ROWS_PER_GROUP;
  return html`<section class="group" aria-labelledby="group-${index}">
<h2 id="group-${index}">${entry.errorType} <span class="note">${plural(entry.letters.length, 'message')}, ${plural(entry.accessorCount, 'accessor')}</span></h2>
<p><span class="verdict ${entry.verdict}">${VERDICT_LABELS[entry.verdict]}.</span> ${entry.advice}</p>
<div class="table-wrap"><table class="stack">
<thead><tr><th scope="col">Error message</th><th scope="col">Parked at</th><th scope="col">Request</th><th scope="col">Kind</th><th scope="col" class="num">Accessors</th></tr></thead>
<tbody>${rows}</tbody></table></div>
${more > 0 ? html`<p class="note">and ${formatCount(more)} more</p>` : ''}
</section>`;
}

/** Where the redrive's progress is read alone: refreshing it never reads the DLQ again. */
export const REDRIVE_PROGRESS_PATH = '/dead-letters/redrive/progress';

/** The redrive under way or last finished, refreshing itself (from `REDRIVE_PROGRESS_PATH`) while it runs. */
export function redriveProgress(state: RedriveState): SafeHtml {
  if (state.startedAt === undefined) return html`<section id="redrive"></section>`;
  const task = state.task;
  const total = task?.toMove;
  const bar =
    task === undefined
      ? html`<progress aria-label="Redrive progress"></progress>`
      : html`<progress aria-label="Redrive progress" max="${total ?? task.moved}" value="${task.moved}"></progress>`;
  const summary = state.running
    ? `Redrive running: ${formatCount(task?.moved ?? 0)}${total !== undefined ? ` of ${plural(total, 'message')}` : ' messages'} moved`
    : state.error
      ? `Redrive failed: ${state.error}`
      : `Redrive ${state.outcome ?? 'ended'}: ${plural(task?.moved ?? 0, 'message')} moved`;
  const refresh = state.running
    ? html` data-refresh="1" data-refresh-from="${REDRIVE_PROGRESS_PATH}"`
    : '';
  return html`<section id="redrive" aria-live="polite"${refresh}>
<h2>Redrive</h2>
<p><strong>${summary}</strong></p>
${bar}
<pre>${state.lines.join('\n')}</pre>
</section>`;
}

/**
 * The dead letters, grouped by ErrorType with what a redrive can do for each, and the button
 * that leads to the redrive's confirmation.
 */
export function deadLettersMain(
  snapshot: DeadLetterSnapshot,
  groups: readonly DeadLetterGroup[],
  redrive: RedriveState,
): SafeHtml {
  const shown = snapshot.messages.length;
  const coverage = snapshot.complete
    ? plural(shown, 'message')
    : `${formatCount(shown)} of about ${formatCount(snapshot.depth)} messages (the read stopped before it met them all)`;
  const action =
    snapshot.depth === 0 || redrive.running
      ? ''
      : html`<p class="actions"><a class="button" href="/dead-letters/redrive">Redrive ${plural(snapshot.depth, 'message')}…</a><span class="note">You will be asked to confirm.</span></p>`;
  return html`<h1>Dead letters</h1>
<p>The dead-letter queue holds ${coverage}.</p>
<p class="note">${SAFE_READ_NOTE}</p>
${action}
${redriveProgress(redrive)}
${groups.map(group)}`;
}

/** The confirmation: what the redrive moves, and which of it cannot succeed. */
export function redriveConfirmMain(
  snapshot: DeadLetterSnapshot,
  groups: readonly DeadLetterGroup[],
  csrfToken: string,
): SafeHtml {
  const doomed = groups.filter((entry) => entry.verdict !== REDRIVE_VERDICTS.retry);
  const warnings =
    doomed.length === 0
      ? html`<p>Every group looks redrivable.</p>`
      : html`<ul>${doomed.map(
          (entry) =>
            html`<li><strong>${entry.errorType}</strong> (${plural(entry.letters.length, 'message')}): <span class="verdict ${entry.verdict}">${VERDICT_LABELS[entry.verdict]}.</span> ${entry.advice}</li>`,
        )}</ul>`;
  return html`<h1>Redrive the dead letters?</h1>
<p>This moves every message of the dead-letter queue (${plural(snapshot.depth, 'message')}) back to the invites queue, with the same code as <code>npm run redrive</code> (an SQS message move task; where the endpoint has none, receive, send and delete in this process). The worker then tries each again.</p>
<h2>What will be parked again</h2>
${warnings}
<form method="post" action="/dead-letters/redrive" class="actions">
<input type="hidden" name="csrf" value="${csrfToken}">
<button type="submit" class="danger">Move ${plural(snapshot.depth, 'message')} back</button>
<a class="button secondary" href="/dead-letters">Cancel</a>
</form>`;
}

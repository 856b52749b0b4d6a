import {
  REQUEST_STATUSES,
  type RequestStatus,
  type RequestStatusName,
} from '../../../shared/domain/request-status.ts';
import { formatCount } from '../../lib/progress.ts';
import { html, query, type SafeHtml, time } from '../html.ts';
import type { RequestListPage } from '../ledger-request-list.ts';
import { legend, progressBar, sourceName, statusBadge } from './widgets.ts';

export interface RequestFilters {
  status?: RequestStatusName | undefined;
  spaceId?: string | undefined;
  cursor?: string | undefined;
}

/** Seconds between refreshes while a listed request runs. */
export const REQUESTS_REFRESH_SECONDS = 3;

function row(request: RequestStatus): SafeHtml {
  const { accessors } = request;
  return html`<tr>
<td class="id" data-label="Request"><a href="/requests/${encodeURIComponent(request.requestId)}">${request.requestId}</a></td>
<td class="id" data-label="Space">${request.spaceId}</td>
<td data-label="Source">${sourceName(request.source)}</td>
<td data-label="Status">${statusBadge(request.status)}</td>
<td data-label="Progress">${progressBar(accessors)}<span class="note">${formatCount(accessors.invited + accessors.skipped)} / ${formatCount(accessors.total)} done${accessors.failed > 0 ? `, ${formatCount(accessors.failed)} failed` : ''}</span></td>
<td data-label="Created">${time(request.createdAt)}</td>
<td data-label="Updated">${time(request.updatedAt)}</td>
</tr>`;
}

/**
 * The requests page: newest first, filtered by status and space, paged by the list's cursor;
 * the table refreshes itself while any request on it is Running.
 */
export function requestsMain(page: RequestListPage, filters: RequestFilters): SafeHtml {
  const running = page.rows.some((request) => request.status === REQUEST_STATUSES.running);
  const statuses = Object.values(REQUEST_STATUSES).map(
    (status) =>
      html`<option value="${status}"${filters.status === status ? html` selected` : ''}>${status}</option>`,
  );
  const next =
    page.nextCursor === undefined
      ? ''
      : html`<a href="/requests${query({ status: filters.status, space: filters.spaceId, cursor: page.nextCursor })}">Older requests</a>`;
  const first = filters.cursor
    ? html`<a href="/requests${query({ status: filters.status, space: filters.spaceId })}">Newest requests</a>`
    : '';
  return html`<h1>Requests</h1>
<form class="filters" method="get" action="/requests">
<label for="filter-status">Status
<select id="filter-status" name="status"><option value="">Any status</option>${statuses}</select></label>
<label for="filter-space">Space ID
<input id="filter-space" name="space" value="${filters.spaceId ?? ''}" placeholder="SP…" autocomplete="off" spellcheck="false"></label>
<button type="submit">Filter</button>
${filters.status || filters.spaceId ? html`<a class="button secondary" href="/requests">Clear</a>` : ''}
</form>
<section id="live" aria-live="polite"${running ? html` data-refresh="${REQUESTS_REFRESH_SECONDS}"` : ''}>
${legend()}
${
  page.rows.length === 0
    ? page.nextCursor !== undefined
      ? // The page stopped at its read limit: older requests are still to be looked at.
        html`<p>No requests${filters.status || filters.spaceId ? ' match these filters' : ''} among the ones looked at so far; see older requests.</p>`
      : html`<p>No requests${filters.status || filters.spaceId ? ' match these filters' : ''} in the last 31 days${filters.cursor ? ' before this page' : ''}.</p>`
    : html`<div class="table-wrap"><table class="stack">
<caption class="note">${formatCount(page.rows.length)} request${page.rows.length === 1 ? '' : 's'}, newest first${running ? '; refreshing while any is Running' : ''}</caption>
<thead><tr><th scope="col">Request</th><th scope="col">Space</th><th scope="col">Source</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Created</th><th scope="col">Updated</th></tr></thead>
<tbody>${page.rows.map(row)}</tbody></table></div>`
}
<nav class="pager" aria-label="Pages">${first}${next}</nav>
</section>
<p class="note">Listed from the ledger table's per-day items; each row's counts are summarized from its parts as the status API does.</p>`;
}

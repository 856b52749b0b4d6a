import type { AccessorResult, AccessorResultKind } from '../../../shared/domain/request-record.ts';
import { REQUEST_STATUSES } from '../../../shared/domain/request-status.ts';
import { formatCount } from '../../lib/progress.ts';
import { html, query, type SafeHtml, time } from '../html.ts';
import type { StatusAnswer } from '../status-api-client.ts';
import { countsText, legend, progressBar, sourceName, statusBadge } from './widgets.ts';

/** The accessors shown: one page of the API's, or the matches of a search over every page. */
export interface AccessorListing {
  kind: AccessorResultKind;
  items: AccessorResult[];
  /** The API's token for the page after this one. */
  nextToken?: string | undefined;
  search?: { q: string; scanned: number; truncated: boolean };
}

export const REQUEST_REFRESH_SECONDS = 5;

function accessorTable(requestId: string, listing: AccessorListing): SafeHtml {
  const base = `/requests/${encodeURIComponent(requestId)}`;
  if (listing.items.length === 0) {
    return html`<p>${listing.search ? `No ${listing.kind} accessor ID contains “${listing.search.q}”.` : `No ${listing.kind} accessors.`}</p>`;
  }
  const rows = listing.items.map(
    (item) =>
      html`<tr><td class="id" data-label="Accessor">${item.accessorId}</td><td data-label="Error type">${item.errorType ?? ''}</td><td data-label="Message">${item.errorMessage ?? ''}</td></tr>`,
  );
  const next =
    listing.nextToken === undefined || listing.search
      ? ''
      : html`<nav class="pager" aria-label="Accessor pages"><a href="${base}${query({ kind: listing.kind, page: listing.nextToken })}#accessors">Next ${listing.kind} accessors</a></nav>`;
  const caption = listing.search
    ? `${formatCount(listing.items.length)} match${listing.items.length === 1 ? '' : 'es'} among ${formatCount(listing.search.scanned)} ${listing.kind} accessors${listing.search.truncated ? ' (search stopped early: narrow it)' : ''}`
    : `${formatCount(listing.items.length)} ${listing.kind} accessors on this page`;
  return html`<div class="table-wrap"><table class="stack">
<caption class="note">${caption}</caption>
<thead><tr><th scope="col">Accessor ID</th><th scope="col">Error type</th><th scope="col">Error message</th></tr></thead>
<tbody>${rows}</tbody></table></div>${next}`;
}

/**
 * One request: its counts, its failures grouped by reason, its failed or skipped accessors
 * (paged, searchable, downloadable as CSV) and the status API's JSON as it came.
 */
export function requestMain(answer: StatusAnswer, listing: AccessorListing): SafeHtml {
  const { status } = answer;
  const { accessors } = status;
  const id = status.requestId;
  const base = `/requests/${encodeURIComponent(id)}`;
  const running = status.status === REQUEST_STATUSES.running;
  const cards = (['total', 'invited', 'skipped', 'pending', 'failed'] as const).map(
    (name) => html`<li><strong>${formatCount(accessors[name])}</strong>${name}</li>`,
  );
  const failures =
    status.failures.length === 0
      ? html`<p>No failures.</p>`
      : html`<div class="table-wrap"><table class="stack"><thead><tr><th scope="col">Error type</th><th scope="col">Error message</th><th scope="col" class="num">Accessors</th></tr></thead><tbody>${status.failures.map(
          (failure) =>
            html`<tr><td data-label="Error type">${failure.errorType}</td><td data-label="Message">${failure.errorMessage}</td><td class="num" data-label="Accessors">${formatCount(failure.accessorCount)}</td></tr>`,
        )}</tbody></table></div>`;
  const tabs = (['failed', 'skipped'] as const).map(
    (kind) =>
      html`<a href="${base}${query({ kind })}#accessors"${listing.kind === kind ? html` aria-current="page"` : ''}>${kind === 'failed' ? 'Failed' : 'Skipped'} (${formatCount(accessors[kind])})</a>`,
  );
  let pretty = answer.json;
  try {
    pretty = JSON.stringify(JSON.parse(answer.json), null, 2);
  } catch {
    // Shown as it came.
  }
  return html`<h1>Request ${id}</h1>
<section id="live" aria-live="polite"${running ? html` data-refresh="${REQUEST_REFRESH_SECONDS}" data-refresh-from="${base}${query({ kind: listing.kind })}"` : ''}>
<dl class="facts">
<dt>Status</dt><dd>${statusBadge(status.status)}</dd>
<dt>Space</dt><dd>${status.spaceId}</dd>
<dt>Source</dt><dd>${sourceName(status.source)}</dd>
<dt>Requested by</dt><dd>${status.requestedBy}</dd>
<dt>Created</dt><dd>${time(status.createdAt)}</dd>
<dt>Updated</dt><dd>${time(status.updatedAt)}</dd>
<dt>Kept until</dt><dd>${time(status.expiresAt)}</dd>
</dl>
<ul class="cards" aria-label="Accessors">${cards}</ul>
${progressBar(accessors)}${legend()}
<p class="note">${countsText(accessors)}</p>
<h2>Failures by reason</h2>
${failures}
</section>
<h2 id="accessors">Accessors not invited</h2>
<nav class="pager" aria-label="Which accessors">${tabs}</nav>
<form class="filters" method="get" action="${base}#accessors" role="search">
<input type="hidden" name="kind" value="${listing.kind}">
<label for="accessor-search">Search ${listing.kind} accessor IDs
<input id="accessor-search" name="q" value="${listing.search?.q ?? ''}" autocomplete="off" spellcheck="false"></label>
<button type="submit">Search</button>
${listing.search ? html`<a class="button secondary" href="${base}${query({ kind: listing.kind })}#accessors">Clear</a>` : ''}
<a class="button secondary" href="${base}/accessors.csv${query({ status: listing.kind })}" download>Download ${listing.kind} as CSV</a>
</form>
${accessorTable(id, listing)}
<h2>Status JSON</h2>
<p class="note">What <code>GET /requests/${id}</code> answered (<a href="${base}/status.json">raw</a>).</p>
<pre>${pretty}</pre>`;
}

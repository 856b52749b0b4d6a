import type { RequestStatus } from '../../../shared/domain/request-status.ts';
import { formatCount } from '../../lib/progress.ts';
import { html, type SafeHtml } from '../html.ts';

const SEGMENTS = ['invited', 'skipped', 'pending', 'failed'] as const;

/** A request's status as a badge. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="status ${status}">${status}</span>`;
}

/** How the accessors stand, in words: `3 invited, 1 skipped, 0 pending, 2 failed of 6`. */
export function countsText(accessors: RequestStatus['accessors']): string {
  return `${SEGMENTS.map((name) => `${formatCount(accessors[name])} ${name}`).join(', ')} of ${formatCount(accessors.total)}`;
}

/**
 * A stacked bar of invited, skipped, pending and failed accessors (inline SVG: the page's
 * Content-Security-Policy allows no inline styles), labelled with the same counts in words.
 */
export function progressBar(accessors: RequestStatus['accessors']): SafeHtml {
  const total = Math.max(accessors.total, 1);
  let x = 0;
  const rects = SEGMENTS.map((name) => {
    const width = (accessors[name] / total) * 100;
    const rect = html`<rect class="${name}" x="${x.toFixed(3)}" y="0" width="${width.toFixed(3)}" height="10"></rect>`;
    x += width;
    return rect;
  });
  return html`<svg class="bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label="${countsText(accessors)}">${rects}</svg>`;
}

/** The colour key for the bars. */
export function legend(): SafeHtml {
  return html`<p class="legend" aria-hidden="true">${SEGMENTS.map((name) => html`<i class="${name}"></i>${name}`)}</p>`;
}

/** `http` and `event` as people say them. */
export function sourceName(source: string): string {
  return source === 'event' ? 'HR event' : source === 'http' ? 'HTTP' : source;
}

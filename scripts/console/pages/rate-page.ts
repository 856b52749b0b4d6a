import { formatCount } from '../../lib/progress.ts';
import { html, type SafeHtml } from '../html.ts';
import type { RatePoint, RateView } from '../rate-view.ts';

export const RATE_REFRESH_SECONDS = 10;

const WIDTH = 1200;
const HEIGHT = 170;
const PAD = { left: 40, bottom: 18, top: 8 };

interface Series {
  name: 'calls' | 'throttled' | 'parked';
  title: string;
  unit: string;
  value: (point: RatePoint, view: RateView) => number | null;
}

const SERIES: Series[] = [
  {
    name: 'calls',
    title: 'SendInvites calls per second',
    unit: 'calls/s',
    value: (point, view) => (point.calls === null ? null : point.calls / view.bucketSeconds),
  },
  {
    name: 'throttled',
    title: 'Throttled calls (429)',
    unit: 'throttles',
    value: (point) => point.throttled,
  },
  {
    name: 'parked',
    title: 'Messages parked in the DLQ',
    unit: 'parked',
    value: (point) => point.parked,
  },
];

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * magnitude).find((max) => max >= value) ?? value;
}

function round(value: number): string {
  return Number.isInteger(value) ? formatCount(value) : value.toFixed(1);
}

/** One bar chart as inline SVG, its numbers also in words for screen readers. */
function chart(series: Series, view: RateView): SafeHtml {
  const values = view.points.map((point) => series.value(point, view));
  const known = values.filter((value): value is number => value !== null);
  if (known.length === 0) {
    return html`<h2>${series.title}</h2><p class="note">Not known for this target.</p>`;
  }
  const max = niceMax(Math.max(...known));
  const slots = Math.max(1, Math.round(view.windowSeconds / view.bucketSeconds));
  const plotWidth = WIDTH - PAD.left;
  const plotHeight = HEIGHT - PAD.bottom - PAD.top;
  const slot = plotWidth / slots;
  const end = (view.points.at(-1)?.at ?? 0) + view.bucketSeconds * 1_000;
  const start = end - view.windowSeconds * 1_000;
  const bars = view.points.map((point, index) => {
    const value = values[index] ?? null;
    if (value === null || value === 0 || point.at < start) return '';
    const height = (value / max) * plotHeight;
    const x = PAD.left + ((point.at - start) / (view.bucketSeconds * 1_000)) * slot;
    return html`<rect class="${series.name}" x="${x.toFixed(1)}" y="${(PAD.top + plotHeight - height).toFixed(1)}" width="${Math.max(1, slot - 1).toFixed(1)}" height="${height.toFixed(1)}"></rect>`;
  });
  const total = view.points.reduce(
    (sum, point) =>
      sum + (series.name === 'calls' ? (point.calls ?? 0) : (series.value(point, view) ?? 0)),
    0,
  );
  const peak = Math.max(...known);
  const per = series.name === 'calls' ? '' : ` per ${view.bucketSeconds} s`;
  const summary = `${series.title}: peak ${round(peak)} ${series.unit}${per}, ${formatCount(total)} in 15 minutes`;
  return html`<h2>${series.title}</h2>
<p class="note">${summary}</p>
<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}">
<line x1="${PAD.left}" y1="${PAD.top}" x2="${WIDTH}" y2="${PAD.top}"></line>
<line x1="${PAD.left}" y1="${PAD.top + plotHeight}" x2="${WIDTH}" y2="${PAD.top + plotHeight}"></line>
<text x="${PAD.left - 4}" y="${PAD.top + 10}" text-anchor="end">${round(max)}</text>
<text x="${PAD.left - 4}" y="${PAD.top + plotHeight}" text-anchor="end">0</text>
<text x="${PAD.left}" y="${HEIGHT - 4}">−15 min</text>
<text x="${WIDTH - 2}" y="${HEIGHT - 4}" text-anchor="end">now</text>
${bars}
</svg>`;
}

/** The rate page: calls per second, throttles and parked messages over the last 15 minutes. */
export function rateMain(view: RateView): SafeHtml {
  return html`<h1>Rate</h1>
<p class="note">The last 15 minutes in ${view.bucketSeconds}-second bars, from ${view.source}.</p>
<section id="live" data-refresh="${RATE_REFRESH_SECONDS}">
${SERIES.map((series) => chart(series, view))}
</section>`;
}

/** The console's one stylesheet: plain, readable at 1280 px and at phone width. */
export const CONSOLE_CSS = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa;
  --accent: #0a58ca; --ok: #1a7f37; --skip: #6e7781; --pending: #d0d7de; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
a { color: var(--accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid #0969da; outline-offset: 2px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1.5rem; padding: .6rem 1rem;
  background: #24292f; color: #fff; }
header a { color: #fff; text-decoration: none; padding: .25rem .4rem; border-radius: 4px; }
header a[aria-current="page"] { background: #57606a; }
header .brand { font-weight: 600; }
header nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; margin: 0; padding: 0; }
header .target { margin-left: auto; font-size: .85rem; color: #d0d7de; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: .5rem; background: #fff; color: var(--ink); padding: .3rem; }
main { padding: 1rem; max-width: 1240px; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .3rem 0 1rem; word-break: break-all; } h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
.note { color: var(--muted); font-size: .9rem; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end; margin-bottom: 1rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); gap: .15rem; }
input, select, button { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; color: var(--ink); }
button, .button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; text-decoration: none;
  display: inline-block; padding: .4rem .8rem; border-radius: 6px; }
button.danger, .button.danger { background: var(--bad); border-color: var(--bad); }
.button.secondary { background: #fff; color: var(--accent); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); font-weight: 600; white-space: nowrap; }
tbody tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.id { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .85rem; word-break: break-all; }
.status { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .8rem; font-weight: 600; border: 1px solid; white-space: nowrap; }
.status.Running { color: var(--accent); } .status.Succeeded { color: var(--ok); }
.status.CompletedWithErrors { color: var(--warn); } .status.Failed { color: var(--bad); }
.bar { display: block; width: 100%; min-width: 8rem; height: .8rem; border-radius: 3px; background: var(--pending); }
.bar .invited { fill: var(--ok); } .bar .skipped { fill: var(--skip); } .bar .pending { fill: var(--pending); } .bar .failed { fill: var(--bad); }
.legend { font-size: .8rem; color: var(--muted); white-space: nowrap; }
.legend i { display: inline-block; width: .7rem; height: .7rem; border-radius: 2px; margin: 0 .2rem 0 .5rem; vertical-align: -1px; }
.legend .invited { background: var(--ok); } .legend .skipped { background: var(--skip); } .legend .pending { background: var(--pending); } .legend .failed { background: var(--bad); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: .75rem; margin: 0 0 1rem; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; }
.cards strong { display: block; font-size: 1.3rem; font-variant-numeric: tabular-nums; }
.verdict { font-weight: 600; } .verdict.hopeless { color: var(--bad); } .verdict.maybe { color: var(--warn); } .verdict.retry { color: var(--ok); }
.group { border: 1px solid var(--line); border-radius: 6px; padding: .25rem 1rem 1rem; margin-bottom: 1rem; }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0; }
.pager { display: flex; gap: 1rem; margin: .75rem 0; }
pre { background: var(--bg); padding: .75rem; border-radius: 6px; overflow-x: auto; font-size: .85rem; }
.error { border: 1px solid var(--bad); color: var(--bad); border-radius: 6px; padding: .75rem; }
.chart { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; }
.chart .calls { fill: var(--accent); } .chart .throttled { fill: var(--warn); } .chart .parked { fill: var(--bad); }
.chart text { font-size: 11px; fill: var(--muted); } .chart line { stroke: var(--line); }
progress { width: 100%; max-width: 30rem; height: 1rem; }
@media (max-width: 700px) {
  main { padding: .75rem; } header .target { margin-left: 0; }
  table.stack thead { display: none; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.stack td { display: flex; gap: .75rem; border: 0; padding: .15rem .6rem; }
  table.stack td::before { content: attr(data-label); min-width: 6.5rem; color: var(--muted); font-weight: 600; }
  table.stack td.num { text-align: left; }
}
`;

/**
 * The console's one script: a region marked `data-refresh="<seconds>"` is fetched again (from
 * its `data-refresh-from` path, else the page itself) and replaced while the server still marks
 * it so (a running request, a redrive under way).
 */
export const CONSOLE_SCRIPT = `
(() => {
  const region = document.querySelector('[data-refresh]');
  if (!region || !region.id) return;
  const seconds = Number(region.getAttribute('data-refresh')) || 5;
  const from = region.getAttribute('data-refresh-from') || location.href;
  async function refresh() {
    try {
      const response = await fetch(from, { headers: { accept: 'text/html' }, cache: 'no-store' });
      if (!response.ok) return schedule();
      const next = new DOMParser().parseFromString(await response.text(), 'text/html').getElementById(region.id);
      if (!next) return;
      const focused = document.activeElement && region.contains(document.activeElement) ? document.activeElement.id : '';
      region.innerHTML = next.innerHTML;
      if (focused) document.getElementById(focused)?.focus();
      if (next.hasAttribute('data-refresh')) schedule();
      else region.removeAttribute('data-refresh');
    } catch { schedule(); }
  }
  function schedule() { setTimeout(refresh, seconds * 1000); }
  schedule();
})();
`;

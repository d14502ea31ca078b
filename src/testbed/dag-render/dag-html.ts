// A self-contained HTML page of one room's DAG (`dagmar dag export --format html`, the testbed's --html report):
// the SVG inline, each event's JSON embedded, hover → JSON; no network access, no script from elsewhere.
import type { RoomDag } from '../../admin/room-dag';
import { renderDagSvgElement } from './dag-svg';
import type { EventDetails } from './event-details';
import { DAG_CSS, escapeHtml, HOVER_JS, LEGEND_HTML, scriptJson } from './page-assets';

export interface DagPageSection {
  /** Column heading, e.g. the server name. */
  title: string;
  dag: RoomDag;
  details: Record<string, EventDetails>;
}

/** One page, one column per section (one server's view of the room each), side by side. */
export async function renderDagHtml(heading: string, sections: readonly DagPageSection[]): Promise<string> {
  const columns: string[] = [];
  const details: Record<string, Record<string, EventDetails>> = {};
  for (const [i, s] of sections.entries()) {
    details[String(i)] = s.details;
    const fx = s.dag.forwardExtremities.length;
    columns.push(
      `<section class="column" data-index="${i}"><h2>${escapeHtml(s.title)}</h2>` +
        `<div class="meta">${escapeHtml(s.dag.roomId)} · v${escapeHtml(s.dag.roomVersion)} · ${s.dag.events.length} events · ${fx} forward extremit${fx === 1 ? 'y' : 'ies'}</div>` +
        `<div class="dag">${await renderDagSvgElement(s.dag)}</div></section>`,
    );
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(heading)}</title>
<style>${DAG_CSS}
main { display: flex; gap: 12px; padding: 12px; align-items: flex-start; overflow-x: auto; }
.column { flex: 1 0 320px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.column h2 { margin: 0; font-size: 15px; } .meta { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
</style></head>
<body><header><h1>${escapeHtml(heading)}</h1>${LEGEND_HTML}</header>
<main>${columns.join('\n')}</main>
<pre id="details" hidden></pre>
<script type="application/json" id="dag-details">${scriptJson(details)}</script>
<script>${HOVER_JS}
var all = JSON.parse(document.getElementById('dag-details').textContent);
document.querySelectorAll('section.column').forEach(function (col) {
  var mine = all[col.getAttribute('data-index')] || {};
  dagmarHover(col, function (id) { return mine[id]; });
});
</script></body></html>
`;
}

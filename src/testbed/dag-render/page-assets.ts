// The CSS and browser script that the standalone DAG page (dag-html.ts) and the live dashboard share: colours,
// the legend, and hover → JSON (hidden again when the pointer leaves the graph). Plain strings compiled into dist/, so the published package carries them.

/** Escapes JSON for a `<script type="application/json">` block: `</script>` and U+2028/9 cannot end or break it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export const DAG_CSS = `
:root { --bg: #f5f7fa; --panel: #ffffff; --ink: #1f2933; --muted: #66788a; --line: #d5dde5;
  --fx: #1e7b34; --rej: #b00020; --soft: #a15c00; --out: #888888; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 16px; background: #1f2933; color: #fff; }
header h1 { font-size: 16px; margin: 0; font-weight: 600; }
header .sub { color: #b8c4d0; font-size: 12px; }
.legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; }
.legend span::before { content: ""; display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -2px; border-radius: 3px; border: 2px solid; }
.legend .extremity::before { background: #c6efce; border-color: var(--fx); }
.legend .rejected::before { background: #f8d0d0; border-color: var(--rej); border-style: dashed; }
.legend .soft-failed::before { background: #fff1c2; border-color: var(--soft); border-style: dashed; }
.legend .outlier::before { background: #eeeeee; border-color: var(--out); border-style: dotted; }
.legend .missing::before { background: transparent; border-color: #999; border-style: dashed; }
.dag svg { display: block; margin: 0 auto; max-width: 100%; height: auto; }
.dag g.node { cursor: pointer; }
.dag g.node:hover polygon, .dag g.node:hover path, .dag g.node.selected path, .dag g.node.selected polygon { stroke: #2563eb; stroke-width: 3; }
#details { position: fixed; right: 12px; bottom: 12px; width: min(520px, 45vw); max-height: 60vh; overflow: auto; margin: 0;
  padding: 10px 12px; background: #0f172a; color: #e2e8f0; font: 11px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, monospace;
  border-radius: 8px; box-shadow: 0 6px 24px rgba(0,0,0,.25); white-space: pre-wrap; word-break: break-all; }
#details[hidden] { display: none; }
`;

/**
 * Browser script: `dagmarHover(root, lookup)` shows, in the #details panel, the JSON of the event under the
 * pointer. Graphviz writes each node's name (the event ID) as its SVG <title>; `lookup(eventId)` gives the JSON.
 */
export const HOVER_JS = `
function dagmarHover(root, lookup) {
  var panel = document.getElementById('details');
  root.addEventListener('mouseover', function (ev) {
    var node = ev.target.closest && ev.target.closest('g.node');
    if (!node || !root.contains(node)) return;
    var title = node.querySelector('title');
    var id = title ? title.textContent : '';
    var details = lookup(id);
    panel.textContent = details ? JSON.stringify(details, null, 2) : id + ' (not stored: a prev_event we lack)';
    panel.hidden = false;
    var old = document.querySelector('g.node.selected');
    if (old) old.classList.remove('selected');
    node.classList.add('selected');
  });
  // Leaving the graph puts the panel away, so that it never hides another column for long.
  root.addEventListener('mouseleave', function () { panel.hidden = true; });
}
`;

export const LEGEND_HTML =
  '<div class="legend"><span class="extremity">forward extremity</span><span class="rejected">rejected</span>' +
  '<span class="soft-failed">soft-failed</span><span class="outlier">outlier</span><span class="missing">missing (backward extremity)</span></div>';

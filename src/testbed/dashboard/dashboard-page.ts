// The dashboard page as one HTML string (CSS and script inline): compiled into dist/, so `dagmar testbed` serves
// it from the published package with no build step and nothing fetched from elsewhere.
import { DAG_CSS, HOVER_JS, LEGEND_HTML } from '../dag-render/page-assets';

const DASHBOARD_CSS = `
main { padding: 12px; }
.toolbar { display: flex; gap: 16px; align-items: flex-start; margin-bottom: 12px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.card h3 { margin: 0 0 4px; font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
select { font: inherit; padding: 2px 4px; }
#links svg { display: block; }
#links .mode-up { stroke: #1e7b34; } #links .mode-down { stroke: #b00020; stroke-dasharray: 4 3; }
#links .mode-drop { stroke: #d97706; stroke-dasharray: 1 3; } #links .mode-delay { stroke: #2563eb; stroke-dasharray: 8 3; }
#links text { font-size: 11px; }
#columns { display: flex; gap: 12px; align-items: flex-start; overflow-x: auto; }
.column { flex: 1 0 300px; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; }
.column h2 { margin: 0; font-size: 15px; }
.column .meta { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
.column .meta b { color: var(--fx); }
.column.forked .meta b { color: #b45309; }
.column .empty { color: var(--muted); padding: 24px 0; text-align: center; }
#status { font-size: 12px; color: #b8c4d0; margin-left: auto; }
`;

const DASHBOARD_JS = `
var API = '/_dagmar/testbed/v1';
var state = null, room = new URLSearchParams(location.search).get('room'), details = {}, pending = {};

function el(tag, attrs, text) {
  var e = document.createElement(tag);
  for (var k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}
function svgEl(tag, attrs) {
  var e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (var k in attrs) e.setAttribute(k, attrs[k]);
  return e;
}

/** Servers on a circle, one line per direction (offset so a->b and b->a both show), coloured by mode. */
function drawLinks(servers, links) {
  var box = document.getElementById('links-svg');
  box.textContent = '';
  var w = 260, h = 160, r = servers.length > 1 ? 52 : 0, pos = {};
  servers.forEach(function (s, i) {
    var a = -Math.PI / 2 + (2 * Math.PI * i) / servers.length;
    pos[s.name] = { x: w / 2 + 1.6 * r * Math.cos(a), y: h / 2 + r * Math.sin(a) };
  });
  links.forEach(function (l) {
    var p = pos[l.from], q = pos[l.to];
    if (!p || !q) return;
    var dx = q.x - p.x, dy = q.y - p.y, len = Math.sqrt(dx * dx + dy * dy) || 1, ox = (-dy / len) * 3, oy = (dx / len) * 3;
    var line = svgEl('line', { x1: p.x + ox, y1: p.y + oy, x2: q.x + ox, y2: q.y + oy, 'stroke-width': 2.5, class: 'link mode-' + l.mode,
      'data-from': l.from, 'data-to': l.to, 'data-mode': l.mode });
    var t = svgEl('title', {}); t.textContent = l.from + ' → ' + l.to + ': ' + l.mode + (l.mode === 'delay' ? ' ' + l.delayMs + ' ms' : '');
    line.appendChild(t);
    box.appendChild(line);
    if (l.mode !== 'up') {
      var label = svgEl('text', { x: (p.x + q.x) / 2 + ox * 4, y: (p.y + q.y) / 2 + oy * 4, 'text-anchor': 'middle' });
      label.textContent = l.mode === 'delay' ? l.delayMs + 'ms' : l.mode;
      box.appendChild(label);
    }
  });
  servers.forEach(function (s) {
    var p = pos[s.name];
    box.appendChild(svgEl('circle', { cx: p.x, cy: p.y, r: 6, fill: '#1f2933' }));
    var below = p.y > h / 2 + 1;
    var t = svgEl('text', { x: p.x, y: below ? p.y + 20 : p.y - 10, 'text-anchor': 'middle', 'font-weight': 600 });
    t.textContent = s.name;
    box.appendChild(t);
  });
}

function roomId() {
  var r = state && state.rooms.find(function (x) { return x.label === room; });
  return r ? r.roomId : null;
}

function renderState() {
  var picker = document.getElementById('room');
  if (!room && state.rooms.length) room = state.rooms[0].label;
  var wanted = state.rooms.map(function (r) { return r.label; }).join('\\n');
  if (picker.getAttribute('data-rooms') !== wanted) {
    picker.textContent = '';
    state.rooms.forEach(function (r) {
      picker.appendChild(el('option', { value: r.label }, r.label === r.roomId ? r.roomId : r.label + '  (' + r.roomId + ')'));
    });
    picker.setAttribute('data-rooms', wanted);
  }
  picker.value = room || '';
  drawLinks(state.servers, state.links);
  var columns = document.getElementById('columns');
  state.servers.forEach(function (s) {
    if (columns.querySelector('section[data-server="' + s.name + '"]')) return;
    var col = el('section', { class: 'column', 'data-server': s.name });
    col.appendChild(el('h2', {}, s.name));
    col.appendChild(el('div', { class: 'meta' }, s.url));
    col.appendChild(el('div', { class: 'dag' }));
    columns.appendChild(col);
    dagmarHover(col, function (id) { return (details[s.name] || {})[id]; });
    refresh(s.name);
  });
}

async function loadState() {
  var res = await fetch(API + '/state');
  state = await res.json();
  renderState();
}

/** Re-reads one server's DAG; events arriving in a burst cause one fetch, not one each. */
function refresh(server) {
  if (pending[server]) return;
  pending[server] = setTimeout(async function () {
    pending[server] = null;
    if (!room) return;
    var col = document.querySelector('section[data-server="' + server + '"]');
    try {
      var res = await fetch(API + '/rooms/' + encodeURIComponent(room) + '/dag?server=' + encodeURIComponent(server));
      var dag = await res.json();
      var meta = col.querySelector('.meta'), box = col.querySelector('.dag');
      if (!res.ok || !dag.stored) {
        details[server] = {};
        box.innerHTML = '<div class="empty">' + (res.ok ? 'not in this room (yet)' : (dag.error || res.status)) + '</div>';
        col.setAttribute('data-extremities', '0');
        col.setAttribute('data-events', '0');
        meta.textContent = '';
        return;
      }
      details[server] = dag.events;
      box.innerHTML = dag.svg;
      var n = dag.forward_extremities.length;
      col.setAttribute('data-extremities', String(n));
      col.setAttribute('data-events', String(dag.event_count));
      col.classList.toggle('forked', n > 1);
      meta.innerHTML = '';
      meta.appendChild(document.createTextNode(dag.event_count + ' events · '));
      meta.appendChild(el('b', {}, n + ' forward extremit' + (n === 1 ? 'y' : 'ies')));
      var back = dag.backward_extremities.length;
      if (back) meta.appendChild(document.createTextNode(' · ' + back + ' backward extremit' + (back === 1 ? 'y' : 'ies')));
    } catch (e) {
      document.getElementById('status').textContent = 'error: ' + e;
    }
  }, 50);
}

function refreshAll() { state.servers.forEach(function (s) { refresh(s.name); }); }

document.getElementById('room').addEventListener('change', function (ev) {
  room = ev.target.value;
  history.replaceState(null, '', '?room=' + encodeURIComponent(room));
  refreshAll();
});

var events = new EventSource(API + '/events');
events.onopen = function () { document.getElementById('status').textContent = 'live'; };
events.onerror = function () { document.getElementById('status').textContent = 'reconnecting…'; };
events.onmessage = function (m) {
  var n = JSON.parse(m.data);
  if (!state) return;
  if (!state.rooms.some(function (r) { return r.roomId === n.roomId; })) { loadState(); return; }
  if (n.roomId === roomId()) refresh(n.server);
};
// Links change without any event (the control API): re-read the state now and then.
loadState().then(function () { setInterval(loadState, 2000); });
`;

export const DASHBOARD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>dagmar testbed</title>
<style>${DAG_CSS}${DASHBOARD_CSS}</style></head>
<body>
<header><h1>dagmar testbed</h1><span class="sub">one column per server: its own DAG of the room</span>${LEGEND_HTML}<span id="status">connecting…</span></header>
<main>
  <div class="toolbar">
    <div class="card"><h3>Room</h3><select id="room"></select></div>
    <div class="card" id="links"><h3>Links</h3><svg id="links-svg" width="260" height="160" viewBox="0 0 260 160"></svg>
      <div class="legend" style="color:var(--muted)">green up · red down · orange drop · blue delay</div></div>
  </div>
  <div id="columns"></div>
</main>
<pre id="details" hidden></pre>
<script>${HOVER_JS}${DASHBOARD_JS}</script>
</body></html>
`;

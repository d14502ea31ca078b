// The DOT text the testbed's pictures are laid out from: one room's DAG as one server stores it, oldest at the
// top, each node labelled with type, sender, depth and short ID and classed by its flags for the page's CSS.
import type { DagEvent, RoomDag } from '../../admin/room-dag';

/** How an event is marked; the most telling flag wins (a rejected event drawn as an extremity would lie). */
export type EventMark = 'rejected' | 'soft-failed' | 'outlier' | 'extremity' | 'normal';

export function markOf(e: DagEvent): EventMark {
  if (e.rejectedReason !== undefined) return 'rejected';
  if (e.softFailed) return 'soft-failed';
  if (e.outlier) return 'outlier';
  if (e.forwardExtremity) return 'extremity';
  return 'normal';
}

/** Fill, border, border width, style and the badge line of each mark (colour-blind safe: shape and text differ too). */
const MARK_STYLE: Record<EventMark, { fill: string; color: string; penwidth: number; style: string; badge?: string }> = {
  extremity: { fill: '#c6efce', color: '#1e7b34', penwidth: 3, style: 'filled,rounded,bold', badge: '★ forward extremity' },
  rejected: { fill: '#f8d0d0', color: '#b00020', penwidth: 2, style: 'filled,rounded,dashed', badge: '✗ rejected' },
  'soft-failed': { fill: '#fff1c2', color: '#a15c00', penwidth: 2, style: 'filled,rounded,dashed', badge: '⚠ soft-failed' },
  outlier: { fill: '#eeeeee', color: '#888888', penwidth: 1, style: 'filled,rounded,dotted', badge: '◌ outlier' },
  normal: { fill: '#ffffff', color: '#5b6b7f', penwidth: 1, style: 'filled,rounded' },
};

/** DOT quoted string: backslash and double quote escaped, line breaks as DOT's centred `\n`. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** `$AbCdEf…`: enough of the hash to tell events apart on screen; the full ID is in the hover JSON. */
export function shortEventId(eventId: string): string {
  return eventId.length > 10 ? `${eventId.slice(0, 9)}…` : eventId;
}

/** `@alice:a.test` stays whole; a very long user ID is cut so one box does not widen the whole rank. */
function shortText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function labelOf(e: DagEvent): string {
  const type = e.type.replace(/^m\.room\./, '');
  const stateKey = e.stateKey === undefined ? '' : e.stateKey === '' ? ' ""' : ` ${shortText(e.stateKey.replace(/^@/, ''), 18)}`;
  const lines = [`${type}${stateKey}`, shortText(e.sender, 24), `d${e.depth}  ${shortEventId(e.eventId)}`];
  const badge = MARK_STYLE[markOf(e)].badge;
  if (badge) lines.push(badge);
  return lines.join('\n');
}

/**
 * DOT for one room's DAG. Edges run from each event to its prev_events and are drawn reversed
 * (`dir=back` with parent → child), so that rank order follows time and the create event is on top:
 *
 *     create
 *       │
 *     member
 *      ╱   ╲        a fork: two forward extremities side by side
 *    msg    topic
 *
 * Auth edges are left out (they would hide the shape); the hover JSON lists them. A prev_event we do
 * not hold (a backward extremity) is drawn as a grey dashed "missing" box.
 */
export function dagLayoutDot(dag: RoomDag): string {
  const out = [
    'digraph dag {',
    '  graph [rankdir=TB, nodesep=0.25, ranksep=0.35, bgcolor="transparent", pad=0.1];',
    '  node [shape=box, fontname="Helvetica", fontsize=10, margin="0.1,0.04", height=0.3];',
    '  edge [color="#7a8796", arrowsize=0.6, dir=back];',
  ];
  dag.events.forEach((e, i) => {
    const mark = markOf(e);
    const s = MARK_STYLE[mark];
    out.push(`  ${quote(e.eventId)} [id="ev${i}", class="ev ${mark}", label=${quote(labelOf(e))}, style=${quote(s.style)}, fillcolor="${s.fill}", color="${s.color}", penwidth=${s.penwidth}];`);
  });
  const stored = new Set(dag.events.map((e) => e.eventId));
  dag.backwardExtremities
    .filter((id) => !stored.has(id))
    .forEach((id, i) => out.push(`  ${quote(id)} [id="missing${i}", class="ev missing", label=${quote(`missing\n${shortEventId(id)}`)}, style="dashed,rounded", color="#999999", fontcolor="#777777"];`));
  for (const e of dag.events) for (const p of e.prevEvents) out.push(`  ${quote(p)} -> ${quote(e.eventId)};`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

// Renders a room's event graph as JSON or Graphviz DOT; the admin endpoint and `dagmar dag export`
// share it, so both print the same bytes for the same graph.
import type { DagEvent, RoomDag } from './room-dag';

export type DagFormat = 'json' | 'dot';

export const DAG_FORMATS: readonly DagFormat[] = ['json', 'dot'];

export function isDagFormat(value: string): value is DagFormat {
  return (DAG_FORMATS as readonly string[]).includes(value);
}

/** MIME types: DOT has the registered-by-use `text/vnd.graphviz`. */
export const DAG_CONTENT_TYPES: Record<DagFormat, string> = {
  json: 'application/json; charset=utf-8',
  dot: 'text/vnd.graphviz; charset=utf-8',
};

/** The JSON shape (snake_case, as the rest of Matrix's wire formats). */
export function dagToJson(dag: RoomDag): Record<string, unknown> {
  return {
    room_id: dag.roomId,
    room_version: dag.roomVersion,
    events: dag.events.map((e) => ({
      event_id: e.eventId,
      type: e.type,
      ...(e.stateKey !== undefined ? { state_key: e.stateKey } : {}),
      sender: e.sender,
      depth: e.depth,
      origin_server_ts: e.originServerTs,
      received_ts: e.receivedTs,
      prev_events: e.prevEvents,
      auth_events: e.authEvents,
      outlier: e.outlier,
      soft_failed: e.softFailed,
      rejected: e.rejectedReason !== undefined,
      ...(e.rejectedReason !== undefined ? { rejected_reason: e.rejectedReason } : {}),
      forward_extremity: e.forwardExtremity,
    })),
    // prev_events edges, child → parent; a parent we lack is a backward extremity.
    edges: dag.events.flatMap((e) => e.prevEvents.map((p) => ({ from: e.eventId, to: p }))),
    forward_extremities: dag.forwardExtremities.map((f) => ({ event_id: f.eventId, depth: f.depth })),
    backward_extremities: dag.backwardExtremities,
  };
}

/** DOT quoted string: backslash and double quote escaped, line breaks as DOT's `\n`. */
function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/** Long IDs would make every box as wide as a hash; labels keep a recognisable prefix. */
function shortId(eventId: string): string {
  return eventId.length > 16 ? `${eventId.slice(0, 13)}…` : eventId;
}

/** Node attributes by flag, most telling first: a rejected event drawn as an extremity would lie. */
function styleOf(e: DagEvent): string {
  if (e.rejectedReason !== undefined) return 'style="filled,dashed", fillcolor="#f4cccc", color="#cc0000"';
  if (e.softFailed) return 'style="filled,dotted", fillcolor="#fff2cc", color="#b45f06"';
  if (e.outlier) return 'shape=ellipse, style=dashed, color="#999999", fontcolor="#666666"';
  if (e.forwardExtremity) return 'style="filled,bold", fillcolor="#b6d7a8", color="#274e13", penwidth=3';
  return 'style=filled, fillcolor="#ffffff"';
}

function labelOf(e: DagEvent): string {
  const lines = [e.stateKey !== undefined ? `${e.type} ${JSON.stringify(e.stateKey)}` : e.type, e.sender, `depth ${e.depth}  ${shortId(e.eventId)}`];
  if (e.forwardExtremity) lines.push('FORWARD EXTREMITY');
  if (e.rejectedReason !== undefined) lines.push(`REJECTED: ${e.rejectedReason.length > 60 ? `${e.rejectedReason.slice(0, 57)}…` : e.rejectedReason}`);
  if (e.softFailed) lines.push('SOFT-FAILED');
  if (e.outlier) lines.push('OUTLIER');
  return lines.join('\n');
}

/**
 * Graphviz DOT. Edges point from an event to its prev_events, drawn bottom-to-top so the oldest
 * event is at the top and time flows down:
 *
 *     create
 *       ↑
 *     member ← topic      (arrow = "cites as prev_event")
 *
 * Auth edges are left out: they would hide the shape of the graph, and the JSON has them.
 */
export function dagToDot(dag: RoomDag): string {
  const out = [
    `digraph ${quote(dag.roomId)} {`,
    `  // room version ${dag.roomVersion}; ${dag.events.length} events, ${dag.forwardExtremities.length} forward and ${dag.backwardExtremities.length} backward extremities`,
    '  // green bold: forward extremity; red dashed: rejected; yellow dotted: soft-failed; grey ellipse: outlier; grey dashed: missing (backward extremity)',
    '  rankdir=BT;',
    `  label=${quote(`${dag.roomId} (v${dag.roomVersion})`)};`,
    '  node [shape=box, fontname="monospace", fontsize=10];',
  ];
  for (const e of dag.events) out.push(`  ${quote(e.eventId)} [label=${quote(labelOf(e))}, ${styleOf(e)}];`);
  // A backward extremity we hold as an outlier already has its node (drawn as an outlier).
  const stored = new Set(dag.events.map((e) => e.eventId));
  for (const id of dag.backwardExtremities.filter((b) => !stored.has(b))) out.push(`  ${quote(id)} [label=${quote(`missing\n${shortId(id)}`)}, style=dashed, color="#999999", fontcolor="#999999"];`);
  for (const e of dag.events) for (const p of e.prevEvents) out.push(`  ${quote(e.eventId)} -> ${quote(p)};`);
  out.push('}');
  return `${out.join('\n')}\n`;
}

export function renderDag(dag: RoomDag, format: DagFormat): string {
  return format === 'json' ? `${JSON.stringify(dagToJson(dag), null, 2)}\n` : dagToDot(dag);
}

// Graphviz text for a DagBuilder DAG: names as labels, forward extremities highlighted, bad events marked.
import { DagGraph } from './dag-graph';

function quote(text: string): string {
  return JSON.stringify(text); // a valid DOT string: double quotes, backslash escapes
}

/** `digraph` with one node per event (children point at their prev_events, as in the spec's drawings). */
export function dagToDot(graph: DagGraph): string {
  const forward = new Set(graph.forwardExtremities().map((n) => n.event.eventId));
  const index = new Map(graph.nodes.map((n, i) => [n.event.eventId, `n${i}`]));
  const lines = ['digraph dag {', '  rankdir=BT;', '  node [shape=box, fontname="monospace"];'];
  for (const node of graph.nodes) {
    const e = node.event;
    const attrs = [`label=${quote(`${node.names.join(' / ')}\n${e.type}${e.stateKey !== undefined ? ` ${JSON.stringify(e.stateKey)}` : ''}${node.status === 'accepted' ? '' : `\n[${node.status}]`}`)}`, `tooltip=${quote(e.eventId)}`];
    if (forward.has(e.eventId)) attrs.push('style="filled,bold"', 'fillcolor="gold"', 'penwidth=2');
    else if (node.status === 'soft-failed') attrs.push('style="dashed"', 'color="orange"');
    else if (node.status !== 'accepted') attrs.push('style="dashed,filled"', 'fillcolor="mistyrose"', 'color="red"');
    lines.push(`  ${index.get(e.eventId)} [${attrs.join(', ')}];`);
  }
  for (const node of graph.nodes) {
    for (const prev of node.event.prevEventIds) lines.push(`  ${index.get(node.event.eventId)} -> ${index.get(prev) ?? quote(prev)};`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}

// One server's DAG of one room as SVG, laid out by Graphviz dot (graphviz.ts) from dag-dot.ts's DOT.
import type { RoomDag } from '../../admin/room-dag';
import { dagLayoutDot } from './dag-dot';
import { graphviz } from './graphviz';

/** A standalone SVG document (XML prolog included), e.g. for `dagmar dag export --format svg`. */
export async function renderDagSvg(dag: RoomDag): Promise<string> {
  const viz = await graphviz();
  return viz.renderString(dagLayoutDot(dag), { format: 'svg', engine: 'dot' });
}

/** The `<svg>` element alone, to be inlined in an HTML page (the prolog and DOCTYPE are not valid there). */
export async function renderDagSvgElement(dag: RoomDag): Promise<string> {
  const svg = await renderDagSvg(dag);
  const start = svg.indexOf('<svg');
  if (start < 0) throw new Error('Graphviz returned no <svg> element');
  return svg.slice(start);
}

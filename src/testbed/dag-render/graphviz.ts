// The testbed's one graph-layout engine: Graphviz `dot` compiled to WebAssembly (@viz-js/viz), loaded once per process.
//
// Why Graphviz over elkjs or dagre (the three candidates of issue 15):
// - layout quality: `dot` is the reference implementation of layered (Sugiyama) drawing — network-simplex
//   ranking keeps every event below its prev_events, crossing minimisation keeps forks side by side and
//   merges centred; elkjs' layered algorithm is comparable, dagre's is a simpler port of the same ideas;
// - output: it emits SVG itself (node ids, classes, titles we choose), where elkjs and dagre return only
//   coordinates and we would draw every box and spline ourselves;
// - determinism: the same DOT text gives the same SVG bytes (tested in test/testbed/dag-svg.test.ts);
// - one language: the admin API and `dagmar dag export --format dot` already speak DOT;
// - size and maintenance: one 1.2 MB dependency with no native parts and no dependencies of its own, released
//   with each Graphviz release; it runs only on the server (Node), so the page ships no layout code at all.
//   dagre had no release for years before its revival; elkjs is ~1.5 MB of GWT-compiled Java.
import type { Viz } from '@viz-js/viz';

let loading: Promise<Viz> | undefined;

/** The shared instance (instantiating the WASM module takes a few tens of milliseconds, once). */
export function graphviz(): Promise<Viz> {
  loading ??= import('@viz-js/viz').then((viz) => viz.instance());
  return loading;
}

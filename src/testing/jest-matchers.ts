// Jest matchers over a server's DAG (a dagmar Homeserver or a TestPeer, read through their storage):
// forward extremities, current state, convergence; failures print the events around the difference.
import type { Storage } from '../storage';
import { parseStateKey, stateKey, StateMap } from '../protocol/state-map';
import type { DagBuilder } from './dag-builder';

/** Anything whose room DAG the matchers can read: a Homeserver, a TestPeer. */
export interface DagHolder {
  readonly serverName: string;
  readonly storage: Storage;
}

/** How names in `expected` become event IDs: a DagBuilder's names, or a plain map. IDs (`$…`) pass as they are. */
export interface NameOptions {
  dag?: DagBuilder;
  names?: Record<string, string>;
}

/**
 * Expected state, values event IDs or names: a StateMap (e.g. `dag.stateAt('M')`), `{ 'm.room.topic': 'L' }`
 * for empty state keys, or `[type, stateKey, idOrName]` triples.
 */
export type ExpectedState = StateMap | Record<string, string> | ReadonlyArray<readonly [string, string, string]>;

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

/** How many generations of prev_events the failure message shows behind each differing event. */
const CONTEXT_DEPTH = 3;
const MAX_CONTEXT_EVENTS = 30;

function resolveName(name: string, options: NameOptions): string {
  if (name.startsWith('$')) return name;
  const mapped = options.names?.[name];
  if (mapped !== undefined) return mapped;
  if (options.dag) return options.dag.eventId(name);
  throw new Error(`dagmar matchers: cannot resolve the name ${JSON.stringify(name)} (pass { dag } or { names }, or an event ID)`);
}

/** An event's label: its DAG name when known, else its ID. */
function labeller(options: NameOptions): (eventId: string) => string {
  const byId = new Map<string, string>();
  for (const [name, id] of Object.entries(options.names ?? {})) byId.set(id, name);
  return (id) => {
    const name = byId.get(id) ?? safeDagName(options.dag, id);
    return name !== undefined ? `${name} (${id})` : id;
  };
}

function safeDagName(dag: DagBuilder | undefined, id: string): string | undefined {
  try {
    return dag?.name(id);
  } catch {
    return undefined;
  }
}

function extremitiesOf(server: DagHolder, roomId: string): string[] {
  return server.storage.getForwardExtremities(roomId).map((e) => e.eventId);
}

/**
 * The events around `focus` in the server's DAG, one line each in the admin DAG export's terms:
 * ID (name), type and state key, sender, depth, prev_events, flags (forward, outlier, soft-failed,
 * rejected) — `focus` and up to CONTEXT_DEPTH generations of their parents, deepest first.
 */
export function describeDagAround(server: DagHolder, roomId: string, focus: readonly string[], options: NameOptions = {}): string {
  const label = labeller(options);
  const forward = new Set(extremitiesOf(server, roomId));
  const seen = new Map<string, number>();
  let layer = [...new Set(focus)];
  for (let generation = 0; generation <= CONTEXT_DEPTH && layer.length > 0 && seen.size < MAX_CONTEXT_EVENTS; generation++) {
    const next: string[] = [];
    for (const id of layer) {
      if (seen.has(id) || seen.size >= MAX_CONTEXT_EVENTS) continue;
      seen.set(id, generation);
      next.push(...(server.storage.getEvent(id)?.event.prevEventIds ?? []));
    }
    layer = next;
  }
  const lines = [...seen.keys()].map((id) => {
    const stored = server.storage.getEvent(id);
    if (!stored) return { depth: -1, text: `  ${label(id)}  [not stored on ${server.serverName}]` };
    const e = stored.event;
    const flags = [forward.has(id) ? 'forward' : '', stored.outlier ? 'outlier' : '', stored.softFailed ? 'soft-failed' : '', stored.rejectedReason !== undefined ? `rejected: ${stored.rejectedReason}` : ''].filter(Boolean);
    const what = `${e.type}${e.stateKey !== undefined ? ` ${JSON.stringify(e.stateKey)}` : ''}`;
    return { depth: e.depth, text: `  ${label(id)}  ${what} by ${e.sender} depth=${e.depth} prev=[${e.prevEventIds.map(label).join(', ')}]${flags.length ? ` [${flags.join('; ')}]` : ''}` };
  });
  lines.sort((a, b) => b.depth - a.depth);
  return [`DAG of ${roomId} on ${server.serverName} around the difference (child first):`, ...lines.map((l) => l.text)].join('\n');
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

function toStateMap(expected: ExpectedState, options: NameOptions): StateMap {
  let entries: Array<[string, string]>;
  if (expected instanceof Map) entries = [...expected.entries()];
  else if (Array.isArray(expected)) entries = expected.map(([type, key, v]) => [stateKey(type, key), v]);
  else entries = Object.entries(expected as Record<string, string>).map(([type, v]) => [stateKey(type, ''), v]);
  return new Map(entries.map(([k, v]) => [k, resolveName(v, options)]));
}

function stateDiff(actual: StateMap, expected: StateMap, label: (id: string) => string, onlyExpectedKeys: boolean): string[] {
  const keys = new Set([...expected.keys(), ...(onlyExpectedKeys ? [] : actual.keys())]);
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    const a = actual.get(key);
    const e = expected.get(key);
    if (a === e) continue;
    const [type, skey] = parseStateKey(key);
    out.push(`  (${type}, ${JSON.stringify(skey)}): expected ${e === undefined ? 'nothing' : label(e)}, got ${a === undefined ? 'nothing' : label(a)}`);
  }
  return out;
}

/**
 * `expect(server).toHaveForwardExtremities(roomId, ['M'], { dag })`: the room's forward extremities
 * on that server are exactly these (any order), read from its extremity table.
 */
function toHaveForwardExtremities(server: DagHolder, roomId: string, expected: readonly string[], options: NameOptions = {}): MatcherResult {
  const label = labeller(options);
  const want = expected.map((n) => resolveName(n, options));
  const got = extremitiesOf(server, roomId);
  const pass = sameSet(got, want);
  return {
    pass,
    message: () => {
      const head = `expected ${server.serverName}'s forward extremities of ${roomId} ${pass ? 'not ' : ''}to be\n  ${want.map(label).join(', ') || '(none)'}\nbut they are\n  ${got.map(label).join(', ') || '(none)'}`;
      if (pass) return head;
      const differing = [...got.filter((id) => !want.includes(id)), ...want.filter((id) => !got.includes(id))];
      return `${head}\n\n${describeDagAround(server, roomId, differing, options)}`;
    },
  };
}

/**
 * `expect(server).toHaveCurrentState(roomId, expected, { dag })`: each (type, state key) given maps to
 * that event in the room's current state; `{ exact: true }` also forbids any other entry.
 */
function toHaveCurrentState(server: DagHolder, roomId: string, expected: ExpectedState, options: NameOptions & { exact?: boolean } = {}): MatcherResult {
  const label = labeller(options);
  const want = toStateMap(expected, options);
  const got = server.storage.getCurrentState(roomId);
  const diff = stateDiff(got, want, label, options.exact !== true);
  const pass = diff.length === 0;
  return {
    pass,
    message: () => {
      if (pass) return `expected ${server.serverName}'s current state of ${roomId} not to match, but it does`;
      const focus = diff.length > 0 ? extremitiesOf(server, roomId) : [];
      return `expected ${server.serverName}'s current state of ${roomId} to match:\n${diff.join('\n')}\n\n${describeDagAround(server, roomId, focus, options)}`;
    },
  };
}

/**
 * `expect(hs).toHaveConvergedWith([peer, other], roomId)`: every server holds the same events of the
 * room (reachable from the extremities, outliers included), the same forward extremities and the same current state.
 */
function toHaveConvergedWith(server: DagHolder, others: readonly DagHolder[], roomId: string, options: NameOptions = {}): MatcherResult {
  const label = labeller(options);
  const problems: string[] = [];
  const focus = new Map<DagHolder, string[]>();
  const mine = graphEventIds(server, roomId);
  const myExtremities = extremitiesOf(server, roomId);
  const myState = server.storage.getCurrentState(roomId);
  for (const other of others) {
    const theirs = graphEventIds(other, roomId);
    const onlyMine = [...mine].filter((id) => !theirs.has(id));
    const onlyTheirs = [...theirs].filter((id) => !mine.has(id));
    if (onlyMine.length || onlyTheirs.length) {
      problems.push(`events: only on ${server.serverName}: ${onlyMine.map(label).join(', ') || '-'}; only on ${other.serverName}: ${onlyTheirs.map(label).join(', ') || '-'}`);
    }
    const theirExtremities = extremitiesOf(other, roomId);
    if (!sameSet(myExtremities, theirExtremities)) {
      problems.push(`forward extremities: ${server.serverName} has ${myExtremities.map(label).join(', ') || '(none)'}; ${other.serverName} has ${theirExtremities.map(label).join(', ') || '(none)'}`);
    }
    const diff = stateDiff(other.storage.getCurrentState(roomId), myState, label, false);
    if (diff.length) problems.push(`current state (${server.serverName} expected, ${other.serverName} got):\n${diff.join('\n')}`);
    if (onlyMine.length || onlyTheirs.length || !sameSet(myExtremities, theirExtremities) || diff.length) {
      focus.set(server, [...(focus.get(server) ?? []), ...onlyMine, ...myExtremities]);
      focus.set(other, [...onlyTheirs, ...theirExtremities]);
    }
  }
  const pass = problems.length === 0;
  return {
    pass,
    message: () => {
      const names = [server, ...others].map((s) => s.serverName).join(', ');
      if (pass) return `expected ${names} not to have converged on ${roomId}, but they have`;
      const dags = [...focus.entries()].map(([s, ids]) => describeDagAround(s, roomId, ids, options));
      return `expected ${names} to have converged on ${roomId}:\n${problems.map((p) => `- ${p}`).join('\n')}\n\n${dags.join('\n\n')}`;
    },
  };
}

/**
 * The room's events a server holds, walked back from its forward extremities through prev_events. Outliers
 * count (and are walked through): a server that joined later holds the history before its join as outliers.
 */
function graphEventIds(server: DagHolder, roomId: string): Set<string> {
  const seen = new Set<string>();
  const queue = extremitiesOf(server, roomId);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    const stored = server.storage.getEvent(id);
    if (!stored) continue;
    seen.add(id);
    queue.push(...stored.event.prevEventIds);
  }
  return seen;
}

/** Pass to `expect.extend(dagmarMatchers)`, or `import 'dagmar/testing/jest'`. */
export const dagmarMatchers = { toHaveForwardExtremities, toHaveCurrentState, toHaveConvergedWith };

/** The matchers as `expect(server).…` sees them (declared on jest.Matchers by `dagmar/testing/jest`). */
export interface DagmarMatchers<R = unknown> {
  toHaveForwardExtremities(roomId: string, expected: readonly string[], options?: NameOptions): R;
  toHaveCurrentState(roomId: string, expected: ExpectedState, options?: NameOptions & { exact?: boolean }): R;
  toHaveConvergedWith(others: readonly DagHolder[], roomId: string, options?: NameOptions): R;
}

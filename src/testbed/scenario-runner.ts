// Runs validated scenario steps on a testbed, one after another, and says for each whether it held. The same
// runner serves `dagmar testbed run` and the control API's POST /steps, so it keeps what steps name (room and
// event labels, registered users) across calls.
import { isDeepStrictEqual } from 'node:util';
import type { Homeserver } from '../homeserver';
import type { RoomPreset } from '../rooms/room-presets';
import type { JsonObject } from '../protocol/json';
import type { ScenarioStep } from './scenario-format';
import type { StepNames } from './scenario-validate';
import type { Testbed } from './testbed';
import type { RoomLabel } from './dashboard-server';

export interface StepResult {
  index: number;
  do: string;
  /** The line of the scenario file, when there is one. */
  line?: number;
  /** One line a person reads: what the step did. */
  summary: string;
  ok: boolean;
  /** Why it failed. */
  error?: string;
  ms: number;
  /** expectConverged: how long until the servers agreed. */
  convergedMs?: number;
}

const DEFAULT_CONVERGE_TIMEOUT_MS = 20_000;
const POLL_MS = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const list = (v: unknown): string[] => (typeof v === 'string' ? [v] : (v as string[]));
const sortedEntries = (m: Iterable<[string, string]>) => [...m].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));

/** Every field of `expected` equals the same field of `actual` (extra fields of `actual` are allowed). */
function contentMatches(expected: Record<string, unknown>, actual: Record<string, unknown> | undefined): boolean {
  return actual !== undefined && Object.entries(expected).every(([k, v]) => isDeepStrictEqual(actual[k], v));
}

interface RoomView {
  server: string;
  /** Every stored event of the room (outliers included) → its depth. */
  events: Map<string, number>;
  /** The depth where this server's own history of the room starts (its join, or the create event). */
  since: number;
  extremities: string;
  state: string;
}

function roomView(hs: Homeserver, roomId: string): RoomView {
  const rows = hs.storage.getRoomGraph(roomId)?.events ?? [];
  const own = rows.filter((e) => !e.outlier).map((e) => e.depth);
  return {
    server: hs.serverName,
    events: new Map(rows.map((e) => [e.eventId, e.depth])),
    since: own.length > 0 ? Math.min(...own) : Infinity,
    extremities: JSON.stringify(hs.storage.getForwardExtremities(roomId).map((e) => e.eventId).sort()),
    state: JSON.stringify(sortedEntries(hs.storage.getCurrentState(roomId))),
  };
}

/**
 * Why the servers are not converged, or undefined when they are: the same forward extremities, the same current
 * state, and each holds every event any of them holds, except those older than its own join (a server that
 * joined late is not sent the history before it, and that is not a divergence).
 */
function divergence(views: readonly RoomView[]): string | undefined {
  const [first, ...rest] = views;
  if (!first) return undefined;
  const other = rest.find((v) => v.extremities !== first.extremities);
  if (other) return `forward extremities differ: ${first.server} ${first.extremities}, ${other.server} ${other.extremities}`;
  const stateOther = rest.find((v) => v.state !== first.state);
  if (stateOther) return `current state differs between ${first.server} and ${stateOther.server}`;
  const all = new Map<string, number>();
  for (const v of views) for (const [id, depth] of v.events) all.set(id, depth);
  for (const v of views) {
    const missing = [...all].filter(([id, depth]) => !v.events.has(id) && depth >= v.since).map(([id]) => id);
    if (missing.length > 0) return `${v.server} lacks ${missing.length} event(s): ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}`;
  }
  return undefined;
}

export class ScenarioRunner {
  private readonly rooms = new Map<string, { roomId: string; server: string }>();
  private readonly events = new Map<string, string>();

  constructor(
    private readonly testbed: Testbed,
    private readonly defaults: { roomVersion?: string } = {},
  ) {}

  /** The labels the dashboard shows. */
  roomLabels(): RoomLabel[] {
    return [...this.rooms].map(([label, r]) => ({ label, roomId: r.roomId }));
  }

  /** What the next steps may name (for validating steps given later, e.g. to POST /steps). */
  names(): StepNames {
    return {
      fullServers: this.testbed.servers.map((s) => s.serverName),
      lightServers: this.testbed.lights.map((s) => s.serverName),
      rooms: new Set(this.rooms.keys()),
      events: new Set(this.events.keys()),
    };
  }

  roomId(label: string): string {
    const room = this.rooms.get(label);
    if (!room) throw new Error(`no room labelled ${label}`);
    return room.roomId;
  }

  /** Runs steps in order; after an action fails the rest are not run (they would build on it). */
  async run(steps: readonly ScenarioStep[], options: { lines?: readonly number[]; onResult?: (r: StepResult) => void; firstIndex?: number } = {}): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const [i, step] of steps.entries()) {
      const started = performance.now();
      const line = options.lines?.[i];
      let result: StepResult;
      try {
        const outcome = await this.runStep(step);
        result = { index: (options.firstIndex ?? 0) + i, do: step.do, summary: describe(step), ok: outcome.error === undefined, ms: 0, ...outcome };
      } catch (e) {
        result = { index: (options.firstIndex ?? 0) + i, do: step.do, summary: describe(step), ok: false, error: (e as Error).message, ms: 0 };
      }
      result.ms = Math.round(performance.now() - started);
      if (line) result.line = line;
      results.push(result);
      options.onResult?.(result);
      if (!result.ok && !step.do.startsWith('expect')) break;
    }
    return results;
  }

  private userId(step: ScenarioStep): string {
    const user = String(step.user);
    return user.startsWith('@') ? user : `@${user}:${String(step.server)}`;
  }

  /** Users of full servers are registered on first use (an account without a password; log in is not needed in-process). */
  private registered(hs: Homeserver, step: ScenarioStep): string {
    const userId = this.userId(step);
    if (!hs.storage.users.get(userId)) hs.storage.users.create({ userId });
    return userId;
  }

  private label(step: ScenarioStep, eventId: string): void {
    if (typeof step.label === 'string') this.events.set(step.label, eventId);
  }

  private async runStep(step: ScenarioStep): Promise<Partial<StepResult>> {
    const tb = this.testbed;
    const s = step as Record<string, unknown>;
    switch (step.do) {
      case 'createRoom': {
        const hs = tb.get(String(s.server));
        const creator = this.registered(hs, step);
        const roomVersion = (s.roomVersion as string | undefined) ?? this.defaults.roomVersion;
        const roomId = await hs.rooms.createRoom({
          creator,
          ...(roomVersion ? { roomVersion } : {}),
          ...(s.preset ? { preset: s.preset as RoomPreset } : {}),
          ...(s.name ? { name: s.name as string } : {}),
        });
        this.rooms.set(String(s.room), { roomId, server: hs.serverName });
        return { summary: `${describe(step)} → ${roomId}` };
      }
      case 'join': {
        const hs = tb.get(String(s.server));
        const room = this.rooms.get(String(s.room))!;
        await hs.rooms.joinRoom(room.roomId, this.registered(hs, step), { via: s.via ? list(s.via) : [room.server] });
        return {};
      }
      case 'send': {
        const hs = tb.get(String(s.server));
        const sender = this.registered(hs, step);
        const count = (s.count as number | undefined) ?? 1;
        let last = '';
        for (let n = 1; n <= count; n++) {
          const body = (s.body as string | undefined) ?? `message ${n}`;
          last = (await hs.rooms.sendLocalEvent(this.roomId(String(s.room)), { type: 'm.room.message', sender, content: { msgtype: 'm.text', body } })).eventId;
        }
        this.label(step, last);
        return {};
      }
      case 'setState':
      case 'sendAs': {
        const hs = tb.get(String(s.server));
        const sender = this.registered(hs, step);
        const prevEventIds = s.prevEvents ? (s.prevEvents as string[]).map((l) => this.events.get(l)!) : undefined;
        const event = await hs.rooms.sendLocalEvent(
          this.roomId(String(s.room)),
          { type: String(s.type), sender, content: s.content as JsonObject, ...(s.stateKey !== undefined ? { stateKey: String(s.stateKey) } : {}) },
          prevEventIds ? { prevEventIds } : {},
        );
        this.label(step, event.eventId);
        return { summary: `${describe(step)} → ${event.eventId}` };
      }
      case 'partition':
        tb.partition(s.groups as string[][], (s.mode as 'down' | 'drop' | undefined) ?? 'down');
        return {};
      case 'link': {
        const state = s.mode === 'delay' ? { delayMs: s.delayMs as number } : (s.mode as 'up' | 'down' | 'drop');
        tb.link(String(s.from), String(s.to), state);
        if (s.both) tb.link(String(s.to), String(s.from), state);
        return {};
      }
      case 'heal':
        tb.heal();
        return {};
      case 'wait':
        await sleep(s.ms as number);
        return {};
      case 'lightJoin': {
        const light = tb.light(String(s.server));
        await light.join(this.roomId(String(s.room)), this.userId(step), { via: list(s.via) });
        return {};
      }
      case 'lightSend': {
        const light = tb.light(String(s.server));
        const sent = await light.send(
          this.roomId(String(s.room)),
          { type: String(s.type), sender: this.userId(step), content: s.content as JsonObject, ...(s.stateKey !== undefined ? { stateKey: String(s.stateKey) } : {}) },
          { via: list(s.via) },
        );
        const failed = Object.entries(sent.delivered).filter(([, v]) => v !== 'ok');
        const summary = `${describe(step)} → ${sent.eventId}`;
        return failed.length === Object.keys(sent.delivered).length ? { summary, error: `delivered to no server: ${failed.map(([k, v]) => `${k}: ${v}`).join('; ')}` } : { summary };
      }
      case 'expectConverged':
        return this.expectConverged(this.roomId(String(s.room)), (s.timeoutMs as number | undefined) ?? DEFAULT_CONVERGE_TIMEOUT_MS, s.noNewEvents === true);
      case 'expectExtremities': {
        const hs = tb.get(String(s.server));
        const tips = hs.storage.getForwardExtremities(this.roomId(String(s.room)));
        return tips.length === s.count ? {} : { error: `${hs.serverName} has ${tips.length} forward extremities, expected ${String(s.count)}: ${tips.map((t) => t.eventId).join(', ')}` };
      }
      case 'expectState': {
        const hs = tb.get(String(s.server));
        const id = hs.rooms.currentStateEventId(this.roomId(String(s.room)), String(s.type), String(s.stateKey));
        const content = id ? (hs.storage.getEvent(id)?.event.content as Record<string, unknown> | undefined) : undefined;
        if (contentMatches(s.content as Record<string, unknown>, content)) return {};
        return { error: `${hs.serverName}'s current ${String(s.type)} [${String(s.stateKey)}] is ${content ? JSON.stringify(content) : 'absent'}` };
      }
      case 'expectLightState': {
        const roomId = this.roomId(String(s.room));
        const view = await tb.light(String(s.server)).currentState(roomId, { via: list(s.via) });
        const full = tb.get(String(s.matches));
        const mine = sortedEntries(view.stateIds);
        const theirs = sortedEntries(full.storage.getCurrentState(roomId));
        if (isDeepStrictEqual(mine, theirs)) return {};
        const differ = [...new Set([...mine, ...theirs].map(([k]) => k))].filter((k) => view.stateIds.get(k) !== full.storage.getCurrentState(roomId).get(k));
        return { error: `the light view differs from ${full.serverName}'s current state at ${differ.join(', ')}` };
      }
    }
  }

  /** Every full server holding the room has the same events, extremities and state (within the timeout). */
  private async expectConverged(roomId: string, timeoutMs: number, noNewEvents: boolean): Promise<Partial<StepResult>> {
    const holders = this.testbed.servers.filter((hs) => hs.storage.hasRoom(roomId));
    const created: string[] = [];
    const unsubscribe = noNewEvents ? holders.map((hs) => hs.onEvent((n) => n.roomId === roomId && n.origin === 'local' && created.push(`${hs.serverName} ${n.type} ${n.eventId}`))) : [];
    const started = performance.now();
    try {
      for (;;) {
        const why = divergence(holders.map((hs) => roomView(hs, roomId)));
        if (why === undefined) break;
        if (performance.now() - started > timeoutMs) return { error: `not converged after ${timeoutMs} ms: ${why}` };
        await sleep(POLL_MS);
      }
    } finally {
      for (const u of unsubscribe) u();
    }
    const convergedMs = Math.round(performance.now() - started);
    if (created.length > 0) return { convergedMs, error: `converged, but servers created events meanwhile: ${created.join(', ')}` };
    return { convergedMs };
  }
}

/** The step as one short line: its kind and its fields. */
export function describe(step: ScenarioStep): string {
  const fields = Object.entries(step)
    .filter(([k]) => k !== 'do')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return [step.do, ...fields].join(' ');
}

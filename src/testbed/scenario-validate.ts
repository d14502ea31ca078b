// Checks a scenario (JSON or YAML) before anything starts: unknown steps and fields, wrong kinds, names of
// servers, rooms and events that nothing defines. Every problem names its place: the line (both formats are
// read through the `yaml` parser, which keeps source positions; JSON is YAML 1.2's subset) and a JSON path.
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { isValidNewLocalpart, parseUserId } from '../protocol/identifiers';
import { FieldKind, FieldSpec, isStepKind, Scenario, SCENARIO_FIELDS, ScenarioStep, STEP_FIELDS, STEP_KINDS } from './scenario-format';

export interface ScenarioProblem {
  /** 1-based line in the file, when the scenario came from a file. */
  line?: number;
  /** Where in the document, e.g. `steps[3].count`. */
  path: string;
  message: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ScenarioProblem[],
  ) {
    super(problems.map((p) => `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.path}: ${p.message}`).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** What steps may name: the servers, and the rooms and events earlier steps (or earlier runs) labelled. */
export interface StepNames {
  fullServers: readonly string[];
  lightServers: readonly string[];
  rooms: Set<string>;
  events: Set<string>;
}

type Path = Array<string | number>;

/** The path as a person reads it: steps[3].content. */
export function pathText(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('') || '(top level)';
}

type Locate = (path: Path, key?: boolean) => number | undefined;

const noLocation: Locate = () => undefined;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Checks one field's value; returns a problem message or undefined. */
function checkField(kind: FieldKind, value: unknown, step: Record<string, unknown>, names: StepNames): string | undefined {
  const all = [...names.fullServers, ...names.lightServers];
  const serverList = (v: unknown): string[] | undefined => (typeof v === 'string' ? [v] : Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
  switch (kind) {
    case 'fullServer':
      if (typeof value !== 'string') return 'must be a server name';
      return names.fullServers.includes(value) ? undefined : `${JSON.stringify(value)} is not one of the servers (${names.fullServers.join(', ')})`;
    case 'lightServer':
      if (typeof value !== 'string') return 'must be a light server name';
      return names.lightServers.includes(value) ? undefined : `${JSON.stringify(value)} is not one of the light servers (${names.lightServers.join(', ') || 'none'})`;
    case 'anyServer':
      if (typeof value !== 'string') return 'must be a server name';
      return all.includes(value) ? undefined : `${JSON.stringify(value)} is not a server of this scenario`;
    case 'fullServers': {
      const list = serverList(value);
      if (!list || list.length === 0) return 'must be a server name or a non-empty list of them';
      const unknown = list.filter((s) => !names.fullServers.includes(s));
      return unknown.length > 0 ? `${unknown.join(', ')}: not a full server of this scenario` : undefined;
    }
    case 'user': {
      if (typeof value !== 'string') return 'must be a localpart ("alice") or a user ID';
      if (value.startsWith('@')) {
        const parsed = parseUserId(value);
        if (!parsed) return `${JSON.stringify(value)} is not a user ID`;
        return parsed.serverName === step.server ? undefined : `${value} is not a user of ${String(step.server)}`;
      }
      return isValidNewLocalpart(value) ? undefined : `${JSON.stringify(value)} is not a valid localpart`;
    }
    case 'room':
      if (typeof value !== 'string' || value === '') return 'must be a room label';
      if (step.do === 'createRoom') return names.rooms.has(value) ? `room ${JSON.stringify(value)} is created twice` : undefined;
      return names.rooms.has(value) ? undefined : `no earlier createRoom step made room ${JSON.stringify(value)}`;
    case 'newEventLabel':
      if (typeof value !== 'string' || value === '') return 'must be an event label';
      return names.events.has(value) ? `event label ${JSON.stringify(value)} is used twice` : undefined;
    case 'eventLabels': {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string')) return 'must be a non-empty list of event labels';
      const unknown = value.filter((v) => !names.events.has(v));
      return unknown.length > 0 ? `no earlier step labelled ${unknown.map((u) => JSON.stringify(u)).join(', ')}` : undefined;
    }
    case 'groups': {
      if (!Array.isArray(value) || value.length < 2 || !value.every((g) => Array.isArray(g) && g.length > 0 && g.every((s) => typeof s === 'string'))) {
        return 'must be two or more non-empty lists of server names';
      }
      const flat = (value as string[][]).flat();
      const unknown = flat.filter((s) => !all.includes(s));
      if (unknown.length > 0) return `${unknown.join(', ')}: not a server of this scenario`;
      return new Set(flat).size === flat.length ? undefined : 'a server is in two groups';
    }
    case 'linkMode':
      return ['up', 'down', 'drop', 'delay'].includes(value as string) ? undefined : 'must be "up", "down", "drop" or "delay"';
    case 'faultMode':
      return ['down', 'drop'].includes(value as string) ? undefined : 'must be "down" or "drop"';
    case 'preset':
      return ['private_chat', 'public_chat', 'trusted_private_chat'].includes(value as string) ? undefined : 'must be "private_chat", "public_chat" or "trusted_private_chat"';
    case 'string':
      return typeof value === 'string' ? undefined : 'must be a string';
    case 'nonNegativeInt':
      return isInt(value) && value >= 0 ? undefined : 'must be a non-negative integer';
    case 'positiveInt':
      return isInt(value) && value >= 1 ? undefined : 'must be a positive integer';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be true or false';
    case 'object':
      return isPlainObject(value) ? undefined : 'must be an object';
  }
}

/**
 * Checks steps in order (a step may name what an earlier one labelled) and adds the rooms and event labels
 * they define to `names`. Returns every problem; `base` is the path of the list (`steps`).
 */
export function validateSteps(steps: unknown, names: StepNames, locate: Locate = noLocation, base: Path = ['steps']): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  const problem = (path: Path, message: string, key = false) => problems.push({ path: pathText(path), message, ...withLine(locate(path, key)) });
  if (!Array.isArray(steps)) {
    problem(base, 'must be a list of steps');
    return problems;
  }
  for (const [i, step] of steps.entries()) {
    const at: Path = [...base, i];
    if (!isPlainObject(step)) {
      problem(at, 'a step must be an object with "do"');
      continue;
    }
    if (!isStepKind(step.do)) {
      problem(step.do === undefined ? at : [...at, 'do'], step.do === undefined ? 'a step needs "do"' : `unknown step ${JSON.stringify(step.do)} (known: ${STEP_KINDS.join(', ')})`);
      continue;
    }
    const fields: Record<string, FieldSpec> = STEP_FIELDS[step.do];
    for (const key of Object.keys(step)) {
      if (key !== 'do' && !(key in fields)) problem([...at, key], `unknown field ${JSON.stringify(key)} for ${step.do} (known: ${Object.keys(fields).join(', ') || 'none'})`, true);
    }
    for (const [key, spec] of Object.entries(fields)) {
      if (step[key] === undefined) {
        if (spec.required) problem(at, `${step.do} needs "${key}"`);
        continue;
      }
      const message = checkField(spec.kind, step[key], step, names);
      if (message) problem([...at, key], message);
    }
    if (step.do === 'link' && step.mode === 'delay' && step.delayMs === undefined) problem(at, 'mode "delay" needs "delayMs"');
    if (step.do === 'link' && step.mode !== 'delay' && step.delayMs !== undefined) problem([...at, 'delayMs'], 'delayMs goes with mode "delay" only', true);
    if (step.do === 'link' && step.from === step.to && step.from !== undefined) problem([...at, 'to'], 'a link joins two different servers');
    if (step.do === 'createRoom' && typeof step.room === 'string') names.rooms.add(step.room);
    if (typeof step.label === 'string') names.events.add(step.label);
  }
  return problems;
}

function withLine(line: number | undefined): { line?: number } {
  return line === undefined ? {} : { line };
}

/** A locator over a parsed document: the line of the value at a path (or of its key, for unknown fields). */
function locator(doc: Document, counter: LineCounter): Locate {
  return (path, key = false) => {
    let node: unknown = doc.contents;
    let keyNode: Node | undefined;
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === part);
        if (!pair) return undefined;
        keyNode = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        keyNode = undefined;
        node = node.items[part];
      } else return undefined;
    }
    const target = (key && keyNode ? keyNode : (node as Node | undefined)) ?? keyNode;
    const offset = target?.range?.[0];
    return offset === undefined ? undefined : counter.linePos(offset).line;
  };
}

function isServerName(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(value);
}

/** Parses and checks a scenario file's text; throws ScenarioError listing every problem. */
export function parseScenario(text: string, file: string): Scenario {
  const counter = new LineCounter();
  const isJson = /\.json$/i.test(file) || /^\s*[{[]/.test(text);
  if (isJson) {
    // The YAML parser takes things JSON forbids (comments, trailing commas); JSON.parse holds the line.
    try {
      JSON.parse(text);
    } catch (e) {
      const message = (e as Error).message;
      const at = /position (\d+)/.exec(message);
      const line = at ? text.slice(0, Number(at[1])).split('\n').length : Number(/line (\d+)/.exec(message)?.[1]) || undefined;
      throw new ScenarioError(file, [{ path: '(file)', message: `not valid JSON: ${message}`, ...withLine(line) }]);
    }
  }
  const doc = parseDocument(text, { lineCounter: counter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(file, doc.errors.map((e) => ({ path: '(file)', message: e.message.split('\n')[0]!, ...withLine(counter.linePos(e.pos[0]).line) })));
  }
  const locate = locator(doc, counter);
  const data: unknown = doc.toJS();
  const problems: ScenarioProblem[] = [];
  const problem = (path: Path, message: string, key = false) => problems.push({ path: pathText(path), message, ...withLine(locate(path, key)) });
  if (!isPlainObject(data)) throw new ScenarioError(file, [{ path: '(top level)', message: 'a scenario is an object with "servers" and "steps"', ...withLine(locate([])) }]);

  for (const key of Object.keys(data)) {
    if (!(key in SCENARIO_FIELDS)) problem([key], `unknown field ${JSON.stringify(key)} (known: ${Object.keys(SCENARIO_FIELDS).join(', ')})`, true);
  }
  const serverList = (key: 'servers' | 'light', required: boolean): string[] => {
    const value = data[key];
    if (value === undefined) {
      if (required) problem([], `a scenario needs "${key}"`);
      return [];
    }
    if (!Array.isArray(value) || (required && value.length === 0) || !value.every(isServerName)) {
      problem([key], required ? 'must be a non-empty list of server names' : 'must be a list of server names');
      return [];
    }
    return value;
  };
  const servers = serverList('servers', true);
  const light = serverList('light', false);
  const dup = [...servers, ...light].filter((s, i, all) => all.indexOf(s) !== i);
  if (dup.length > 0) problem(['servers'], `${dup.join(', ')} named twice`);
  if (data.roomVersion !== undefined && typeof data.roomVersion !== 'string') problem(['roomVersion'], 'must be a string such as "12"');
  const ae = data.antiEntropyIntervalSeconds;
  if (ae !== undefined && !(typeof ae === 'number' && ae >= 0 && ae <= 86_400)) problem(['antiEntropyIntervalSeconds'], 'must be a number of seconds from 0 (off) to 86400');
  if (data.steps === undefined) problem([], 'a scenario needs "steps"');
  else problems.push(...validateSteps(data.steps, { fullServers: servers, lightServers: light, rooms: new Set(), events: new Set() }, locate));
  if (problems.length > 0) throw new ScenarioError(file, problems.sort((x, y) => (x.line ?? 0) - (y.line ?? 0)));

  const steps = data.steps as ScenarioStep[];
  return {
    servers,
    light,
    ...(typeof data.roomVersion === 'string' ? { roomVersion: data.roomVersion } : {}),
    ...(typeof ae === 'number' ? { antiEntropyIntervalSeconds: ae } : {}),
    steps,
    stepLines: steps.map((_, i) => locate(['steps', i]) ?? 0),
  };
}

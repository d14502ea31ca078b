// The testbed scenario format (issue 15): the top-level fields and, per step kind, which fields it takes, of
// which kind, and which are required. The validator (scenario-validate.ts) and the runner read this one table.

/** What a field holds; the names of servers, rooms and events are checked against the scenario too. */
export type FieldKind =
  | 'fullServer' // a full server of the scenario
  | 'lightServer' // a light server of the scenario
  | 'anyServer' // either
  | 'fullServers' // one full server name or a list of them
  | 'user' // a localpart, or a full user ID on the step's server
  | 'room' // a room label a createRoom step made (or makes, for createRoom)
  | 'newEventLabel' // a label this step gives to the event it makes
  | 'eventLabels' // labels earlier steps gave
  | 'groups' // a list of lists of server names
  | 'linkMode' // up | down | drop | delay
  | 'faultMode' // down | drop | delay-free fault for partitions: down | drop
  | 'preset' // private_chat | public_chat | trusted_private_chat
  | 'string'
  | 'nonNegativeInt'
  | 'positiveInt'
  | 'boolean'
  | 'object';

export interface FieldSpec {
  kind: FieldKind;
  required?: boolean;
}

const server = { kind: 'fullServer', required: true } as const;
const light = { kind: 'lightServer', required: true } as const;
const user = { kind: 'user', required: true } as const;
const room = { kind: 'room', required: true } as const;
const type = { kind: 'string', required: true } as const;

/** Every step kind and its fields (besides `do`). */
export const STEP_FIELDS = {
  createRoom: { server, user, room, preset: { kind: 'preset' }, roomVersion: { kind: 'string' }, name: { kind: 'string' } },
  join: { server, user, room, via: { kind: 'fullServers' } },
  send: { server, user, room, count: { kind: 'positiveInt' }, body: { kind: 'string' }, label: { kind: 'newEventLabel' } },
  setState: { server, user, room, type, stateKey: { kind: 'string', required: true }, content: { kind: 'object', required: true }, label: { kind: 'newEventLabel' } },
  sendAs: {
    server,
    user,
    room,
    type,
    stateKey: { kind: 'string' },
    content: { kind: 'object', required: true },
    prevEvents: { kind: 'eventLabels' },
    label: { kind: 'newEventLabel' },
  },
  partition: { groups: { kind: 'groups', required: true }, mode: { kind: 'faultMode' } },
  link: { from: { kind: 'anyServer', required: true }, to: { kind: 'anyServer', required: true }, mode: { kind: 'linkMode', required: true }, delayMs: { kind: 'nonNegativeInt' }, both: { kind: 'boolean' } },
  heal: {},
  wait: { ms: { kind: 'nonNegativeInt', required: true } },
  lightJoin: { server: light, user, room, via: { kind: 'fullServers', required: true } },
  lightSend: { server: light, user, room, via: { kind: 'fullServers', required: true }, type, stateKey: { kind: 'string' }, content: { kind: 'object', required: true } },
  expectConverged: { room, timeoutMs: { kind: 'nonNegativeInt' }, noNewEvents: { kind: 'boolean' } },
  expectExtremities: { server, room, count: { kind: 'nonNegativeInt', required: true } },
  expectState: { server, room, type, stateKey: { kind: 'string', required: true }, content: { kind: 'object', required: true } },
  expectLightState: { server: light, room, via: { kind: 'fullServers', required: true }, matches: { kind: 'fullServer', required: true } },
} satisfies Record<string, Record<string, FieldSpec>>;

export type StepKind = keyof typeof STEP_FIELDS;

export const STEP_KINDS = Object.keys(STEP_FIELDS) as StepKind[];

export function isStepKind(value: unknown): value is StepKind {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STEP_FIELDS, value);
}

/**
 * Top-level fields. `antiEntropyIntervalSeconds` is ours, beyond the example: a scenario about a lossy
 * link healed by MSC4370 anti-entropy must say how often the servers poll (the server default is 60 s).
 */
export const SCENARIO_FIELDS = {
  servers: { kind: 'servers', required: true },
  light: { kind: 'servers' },
  roomVersion: { kind: 'string' },
  antiEntropyIntervalSeconds: { kind: 'nonNegativeNumber' },
  steps: { kind: 'steps', required: true },
} as const;

/** A step as the runner takes it: validated, so every field has its kind. */
export interface ScenarioStep {
  do: StepKind;
  [field: string]: unknown;
}

export interface Scenario {
  servers: string[];
  light: string[];
  roomVersion?: string;
  antiEntropyIntervalSeconds?: number;
  steps: ScenarioStep[];
  /** Per step, the line of the file where it starts (1-based), for the lines the runner prints. */
  stepLines: number[];
}

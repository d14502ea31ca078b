// `dagmar light state ROOM --url URL --via S …`: asks a running light server's control API to learn a
// room's current state and prints it as a table (type, state_key, sender, event ID, content) or as JSON.
import { LIGHT_CONTROL_PREFIX } from '../light/control-routes';
import type { CliCommand } from './cli-command';

interface ClientStateEvent {
  type: string;
  state_key: string;
  sender: string;
  event_id: string;
  content: unknown;
}

const CONTENT_WIDTH = 60;

function summary(content: unknown): string {
  const text = JSON.stringify(content);
  return text.length > CONTENT_WIDTH ? `${text.slice(0, CONTENT_WIDTH - 1)}…` : text;
}

/** Columns padded to their widest cell; the last one is not padded. */
export function formatStateTable(events: readonly ClientStateEvent[]): string {
  const rows = [['TYPE', 'STATE_KEY', 'SENDER', 'EVENT_ID', 'CONTENT'], ...events.map((e) => [e.type, e.state_key, e.sender, e.event_id, summary(e.content)])];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => (col === r.length - 1 ? cell : cell.padEnd(widths[col]!))).join('  ')).join('\n');
}

export const lightStateCommand: CliCommand = {
  name: 'state',
  summary: "print a room's current state as a running light server learns it (its control API)",
  usage: 'dagmar light state ROOM --url URL --via SERVER [--via SERVER …] [--admin-token TOKEN] [--json]',
  options: {
    url: { type: 'string', help: 'base URL of the light server (`dagmar light serve` prints it)' },
    via: { type: 'string', multiple: true, help: 'a server to learn from; repeat it, or separate with commas (required)' },
    'admin-token': { type: 'string', help: 'the light server\'s admin token [DAGMAR_ADMIN_TOKEN]' },
    json: { type: 'boolean', help: 'print the control API\'s JSON answer instead of a table' },
  },
  async run(values, positionals) {
    const [roomId, ...extra] = positionals;
    if (roomId === undefined || extra.length > 0) throw new Error('give exactly one room ID');
    if (typeof values.url !== 'string') throw new Error('--url is required');
    if (typeof values.via !== 'string') throw new Error('--via is required');
    const token = (values['admin-token'] as string | undefined) ?? process.env.DAGMAR_ADMIN_TOKEN;
    const url = `${values.url.replace(/\/+$/, '')}${LIGHT_CONTROL_PREFIX}/rooms/${encodeURIComponent(roomId)}/state?via=${encodeURIComponent(values.via)}`;
    const res = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const text = await res.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`${res.status} from ${values.url}: not JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) throw new Error(`${res.status} ${String(body.errcode)}: ${String(body.error)}`);
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    const state = body.state as ClientStateEvent[];
    const extremities = body.extremities as Record<string, string[]>;
    const disagreements = body.disagreements as Array<{ kind: string; servers: string[]; reason: string }>;
    const stats = body.stats as { requests: number; bytes: number; eventsFetched: number; eventsVerified: number; ms: number };
    const lines = [
      `${roomId} (room version ${String(body.room_version)}): ${state.length} state events`,
      '',
      formatStateTable(state),
      '',
      ...Object.entries(extremities).map(([server, ids]) => `extremities of ${server}: ${ids.join(' ')}`),
      disagreements.length === 0 ? 'disagreements: none' : `disagreements: ${disagreements.length}`,
      ...disagreements.map((d) => `  ${d.kind} [${d.servers.join(', ')}]: ${d.reason}`),
      `cost: ${stats.requests} requests, ${stats.bytes} bytes, ${stats.eventsFetched} events fetched, ${stats.eventsVerified} verified, ${stats.ms} ms`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return 0;
  },
};

// Benchmark: GET /sync on a real dagmar over loopback HTTP — how fast a waiting long-poll is woken by an
// event sent on the same server, and an initial sync of a user in 100 rooms; each beside an
// authenticated no-op (GET /account/whoami) measured in the same run, as the baseline.
import { createHomeserver } from '../../src/homeserver';
import { benchLine } from './support/measure';

const ROOMS = 100;
const WAKES = 30;
const INITIALS = 7;

interface SyncBody {
  next_batch: string;
  rooms: { join: Record<string, unknown> };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

async function main(): Promise<void> {
  const hs = createHomeserver({ serverName: 'sync.bench', dataDir: ':memory:', enableRegistration: true, rateLimit: false });
  await hs.start({ host: '127.0.0.1', port: 0 });
  try {
    const base = `${hs.url()}/_matrix/client/v3`;
    const first = (await (await fetch(`${base}/register`, { method: 'POST', body: JSON.stringify({ username: 'bench', password: 'pw' }) })).json()) as { session: string };
    const reg = await (await fetch(`${base}/register`, { method: 'POST', body: JSON.stringify({ username: 'bench', password: 'pw', auth: { type: 'm.login.dummy', session: first.session } }) })).json() as { user_id: string; access_token: string };
    const headers = { Authorization: `Bearer ${reg.access_token}` };
    const get = async (path: string) => {
      const res = await fetch(`${base}${path}`, { headers });
      if (res.status !== 200) throw new Error(`${path} → ${res.status} ${await res.text()}`);
      return (await res.json()) as SyncBody;
    };
    const user = reg.user_id as string;
    const rooms: string[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const roomId = await hs.rooms.createRoom({ creator: user, roomVersion: '12', name: `room ${i}` });
      await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: user, content: { msgtype: 'm.text', body: `hello ${i}` } });
      rooms.push(roomId);
    }

    const whoami: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = process.hrtime.bigint();
      await get('/account/whoami');
      whoami.push(ms(t0));
    }

    const initial: number[] = [];
    for (let i = 0; i < INITIALS; i++) {
      const t0 = process.hrtime.bigint();
      const body = await get('/sync');
      initial.push(ms(t0));
      if (Object.keys(body.rooms.join).length !== ROOMS) throw new Error('initial sync is missing rooms');
    }

    // Wake: a /sync waits (timeout 10 s); an event is sent in one of the rooms; time from the send to the answer.
    let since = (await get('/sync?filter=' + encodeURIComponent(JSON.stringify({ room: { timeline: { limit: 1 } } })))).next_batch as string;
    const wakes: number[] = [];
    for (let i = 0; i < WAKES; i++) {
      const answer = get(`/sync?since=${since}&timeout=10000`);
      await new Promise((resolve) => setTimeout(resolve, 20)); // the request is waiting by now
      const t0 = process.hrtime.bigint();
      await hs.rooms.sendLocalEvent(rooms[i % ROOMS]!, { type: 'm.room.message', sender: user, content: { msgtype: 'm.text', body: `wake ${i}` } });
      const body = await answer;
      wakes.push(ms(t0));
      if (Object.keys(body.rooms.join).length !== 1) throw new Error('the woken sync should carry exactly one room');
      since = body.next_batch;
    }

    const baseline = median(whoami);
    console.log(`baseline GET /account/whoami: median ${baseline.toFixed(2)} ms`);
    console.log(`initial /sync, ${ROOMS} rooms: median ${median(initial).toFixed(1)} ms (×${(median(initial) / baseline).toFixed(0)} the baseline); runs ${initial.map((x) => x.toFixed(0)).join(' ')}`);
    console.log(`wake (send → woken /sync answered): median ${median(wakes).toFixed(2)} ms, max ${Math.max(...wakes).toFixed(2)} ms (×${(median(wakes) / baseline).toFixed(1)} the baseline)`);
    benchLine('sync-wake-ms', median(wakes), 'ms', '<=', 20);
    benchLine('sync-initial-100-rooms-ms', median(initial), 'ms', '<=', 500);
  } finally {
    await hs.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

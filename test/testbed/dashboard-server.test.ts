// The dashboard's JSON and event-stream endpoints over real HTTP: the state the page reads, one server's DAG,
// the errors for what does not exist, a live event per persisted PDU, and close() with a stream still open.
import { request } from 'node:http';
import { Dashboard, startDashboard } from '../../src/testbed/dashboard-server';
import { startTestFederation, TestFederation } from '../../src/testing';

let federation: TestFederation;
let dashboard: Dashboard;
let roomId: string;

beforeAll(async () => {
  federation = await startTestFederation(['one.test', 'two.test']);
  roomId = await federation.get('one.test').rooms.createRoom({ creator: '@alice:one.test', preset: 'public_chat' });
  dashboard = await startDashboard({ servers: federation.servers, rooms: () => [{ label: 'r', roomId }] });
});

afterAll(async () => {
  await dashboard.close();
  await federation.stop();
});

async function getJson(path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${dashboard.url}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('state: servers with their rooms, the labelled room, every direction of every link (up until link faults exist)', async () => {
  const { status, body } = await getJson('/_dagmar/testbed/v1/state');
  expect(status).toBe(200);
  expect(body).toEqual({
    servers: [
      { name: 'one.test', url: federation.get('one.test').url(), rooms: [roomId] },
      { name: 'two.test', url: federation.get('two.test').url(), rooms: [] },
    ],
    rooms: [{ label: 'r', roomId }],
    links: [
      { from: 'one.test', to: 'two.test', mode: 'up' },
      { from: 'two.test', to: 'one.test', mode: 'up' },
    ],
  });
});

test('one server\'s DAG by label or room ID; a server not in the room says so; unknown names are 404, a missing server= 400', async () => {
  const byLabel = await getJson('/_dagmar/testbed/v1/rooms/r/dag?server=one.test');
  expect(byLabel.status).toBe(200);
  const tips = federation.get('one.test').rooms.prevEventsFor(roomId).map((e) => e.eventId);
  expect(byLabel.body).toMatchObject({ server: 'one.test', label: 'r', room_id: roomId, stored: true, forward_extremities: tips });
  expect(String(byLabel.body.svg)).toMatch(/^<svg/);
  expect(Object.keys(byLabel.body.events as object)).toHaveLength(Number(byLabel.body.event_count));
  expect((await getJson(`/_dagmar/testbed/v1/rooms/${encodeURIComponent(roomId)}/dag?server=one.test`)).body.forward_extremities).toEqual(tips);
  expect((await getJson('/_dagmar/testbed/v1/rooms/r/dag?server=two.test')).body).toEqual({ server: 'two.test', label: 'r', room_id: roomId, stored: false });
  expect(await getJson('/_dagmar/testbed/v1/rooms/nope/dag?server=one.test')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(await getJson('/_dagmar/testbed/v1/rooms/r/dag?server=three.test')).toMatchObject({ status: 404, body: { errcode: 'M_NOT_FOUND' } });
  expect(await getJson('/_dagmar/testbed/v1/rooms/r/dag')).toMatchObject({ status: 400, body: { errcode: 'M_MISSING_PARAM' } });
  const svg = await fetch(`${dashboard.url}/_dagmar/testbed/v1/rooms/r/dag?server=one.test&format=svg`);
  expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  const page = await fetch(`${dashboard.url}/`);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await page.text()).toContain('EventSource');
});

test('the event stream pushes each persisted event with its server; close() ends a stream that is still open', async () => {
  const received: string[] = [];
  let sawEvent: (text: string) => void = () => {};
  const arrived = new Promise<string>((resolve) => (sawEvent = resolve));
  const req = request(`${dashboard.url}/_dagmar/testbed/v1/events`, (res) => {
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      received.push(chunk);
      const data = received.join('').split('\n').find((line) => line.startsWith('data: '));
      if (data) sawEvent(data.slice('data: '.length));
    });
    // Once connected, make an event.
    void federation.get('one.test').rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:one.test', content: { body: 'live' } });
  });
  const ended = new Promise<void>((resolve) => req.on('close', resolve));
  req.end();
  const notice = JSON.parse(await arrived);
  const tip = federation.get('one.test').rooms.prevEventsFor(roomId)[0]!;
  expect(notice).toEqual({ server: 'one.test', roomId, eventId: tip.eventId, type: 'm.room.message', status: 'accepted', origin: 'local' });
  await dashboard.close();
  await ended;
  dashboard = await startDashboard({ servers: federation.servers }); // for afterAll
});

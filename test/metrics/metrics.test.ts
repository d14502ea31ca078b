// GET /metrics on a real server pair: PDU counters by outcome and source, extremities per room read
// from storage at scrape time, and request latency by API — in Prometheus text format. It names every
// room, so it is served only with the admin token or on its own listener (--metrics-listen).
import { Homeserver } from '../../src/homeserver';
import { joinRemoteRoom } from '../../src/testing/join-remote-room';
import { eventually, startTestFederation, startTestHomeserver, TestFederation } from '../../src/testing';

const ADMIN_TOKEN = 'metrics-admin-token';

let fed: TestFederation;
let a: Homeserver;
let b: Homeserver;
beforeEach(async () => {
  fed = await startTestFederation(['a.test', 'b.test'], { adminToken: ADMIN_TOKEN });
  [a, b] = fed.servers as [Homeserver, Homeserver];
});
afterEach(async () => fed.stop());

async function scrape(hs: Homeserver): Promise<string> {
  const res = await fetch(`${hs.url()}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

/** The value of one sample line, e.g. `dagmar_pdus_persisted_total{source="local"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('counters follow local and remote PDUs; the extremity gauge follows the table', async () => {
  const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'public_chat' });
  const created = (await scrape(a)).split('\n');
  const localCount = sample(created.join('\n'), 'dagmar_pdus_persisted_total{source="local"}');
  expect(localCount).toBe(5); // create, member, power levels, join rules, history visibility

  await joinRemoteRoom(b, roomId, '@bob:b.test', ['a.test']);
  await b.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@bob:b.test', content: { body: 'hi' } });
  await eventually(() => a.storage.getForwardExtremities(roomId).length === 1 && a.rooms.prevEventsFor(roomId)[0]!.eventId === b.rooms.prevEventsFor(roomId)[0]!.eventId, 'a has b’s message');
  const text = await scrape(a);
  // Bob's join came in through send_join, his message through /send.
  expect(sample(text, 'dagmar_pdus_persisted_total{source="remote"}')).toBe(2);
  expect(sample(text, 'dagmar_pdus_received_total')).toBe(1);
  expect(sample(text, `dagmar_forward_extremities{room_id="${roomId}"}`)).toBe(1);
  expect(text).toMatch(/dagmar_http_request_duration_seconds_count\{api="federation",code="200",method="PUT"\} [1-9]/);
  expect(text).toContain('# TYPE dagmar_http_request_duration_seconds histogram');

  // A fork on a: two extremities, and the gauge says so at the next scrape.
  const tip = a.rooms.prevEventsFor(roomId)[0]!.eventId;
  const parent = a.storage.getEvent(tip)!.event.prevEventIds[0]!;
  await a.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:a.test', content: { body: 'fork' } }, { prevEventIds: [parent] });
  expect(sample(await scrape(a), `dagmar_forward_extremities{room_id="${roomId}"}`)).toBe(2);
});

describe('who may read /metrics', () => {
  test('with an admin token: only with that token (401 without it or with another)', async () => {
    const roomId = await a.rooms.createRoom({ creator: '@alice:a.test', roomVersion: '10', preset: 'private_chat' });
    const none = await fetch(`${a.url()}/metrics`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ errcode: 'M_MISSING_TOKEN' });
    const wrong = await fetch(`${a.url()}/metrics`, { headers: { Authorization: 'Bearer guess' } });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain(roomId);
    expect(await scrape(a)).toContain(roomId);
  });

  test('without an admin token or a metrics listener it is not served at all', async () => {
    const hs = await startTestHomeserver('plain.test');
    try {
      await hs.rooms.createRoom({ creator: '@alice:plain.test', roomVersion: '10', preset: 'private_chat' });
      expect((await fetch(`${hs.url()}/metrics`)).status).toBe(404);
      expect(hs.metricsUrl()).toBeUndefined();
    } finally {
      await hs.stop();
    }
  });

  test('with --metrics-listen: served there without a token, and not on the main listener', async () => {
    const hs = await startTestHomeserver('scraped.test', { metricsListen: '127.0.0.1:0', adminToken: ADMIN_TOKEN });
    try {
      const roomId = await hs.rooms.createRoom({ creator: '@alice:scraped.test', roomVersion: '10', preset: 'private_chat' });
      const own = await fetch(`${hs.metricsUrl()!}/metrics`);
      expect(own.status).toBe(200);
      expect(await own.text()).toContain(`dagmar_forward_extremities{room_id="${roomId}"}`);
      expect(hs.metricsUrl()).not.toBe(hs.url());
      const main = await fetch(`${hs.url()}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      expect(main.status).toBe(404);
      // The metrics listener serves nothing else.
      expect((await fetch(`${hs.metricsUrl()!}/_matrix/federation/v1/version`)).status).toBe(404);
    } finally {
      await hs.stop();
    }
  });
});

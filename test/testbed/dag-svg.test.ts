// The testbed's DAG renderer: Graphviz lays out one server's DAG with every event a node, every prev_event an
// edge, each flag marked, oldest on top, and the same graph always gives the same bytes.
import { loadRoomDag, RoomDag, DagEvent } from '../../src/admin/room-dag';
import { dagLayoutDot } from '../../src/testbed/dag-render/dag-dot';
import { renderDagHtml } from '../../src/testbed/dag-render/dag-html';
import { renderDagSvg } from '../../src/testbed/dag-render/dag-svg';
import { eventDetails } from '../../src/testbed/dag-render/event-details';
import { startTestHomeserver } from '../../src/testing';

/** Graphviz writes `-` and some other characters as numeric references (`&#45;`). */
function decode(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code))).replace(/&quot;/g, '"').replace(/&amp;/g, '&');
}

/** `<g id="…" class="node ev MARK">…<title>EVENT_ID</title>`: the mark of each node, by event ID. */
function marksOf(svg: string): Map<string, string> {
  const marks = new Map<string, string>();
  for (const m of svg.matchAll(/<g id="[^"]+" class="node ev ([^"]+)">\s*<title>([^<]+)<\/title>/g)) marks.set(decode(m[2]!), decode(m[1]!));
  return marks;
}

/** The y coordinate of a node's label text (SVG y grows downwards). */
function topOf(svg: string, eventId: string): number {
  const at = decode(svg).indexOf(`<title>${eventId}</title>`);
  const y = /<text[^>]* y="(-?[\d.]+)"/.exec(decode(svg).slice(at));
  return Number(y![1]);
}

test('a fork on a real server: every event a node, every prev edge an edge, both tips marked, oldest on top, same bytes twice', async () => {
  const hs = await startTestHomeserver('render.test');
  try {
    const roomId = await hs.rooms.createRoom({ creator: '@alice:render.test', preset: 'public_chat' });
    const [base] = hs.rooms.prevEventsFor(roomId);
    const send = (body: string) => hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:render.test', content: { body } }, { prevEventIds: [base!.eventId] });
    const left = await send('left');
    const right = await send('right');
    const dag = loadRoomDag(hs.storage, roomId);
    const svg = await renderDagSvg(dag);

    const marks = marksOf(svg);
    expect([...marks.keys()].sort()).toEqual(dag.events.map((e) => e.eventId).sort());
    expect([...marks].filter(([, m]) => m === 'extremity').map(([id]) => id).sort()).toEqual([left.eventId, right.eventId].sort());
    const edges = dag.events.reduce((n, e) => n + e.prevEvents.length, 0);
    expect(svg.match(/class="edge"/g)).toHaveLength(edges);
    expect(decode(svg)).toContain('★ forward extremity');
    expect(decode(svg)).toContain('@alice:render.test');
    expect(decode(svg)).toContain('power_levels ""');

    const create = dag.events.find((e) => e.type === 'm.room.create')!;
    expect(topOf(svg, create.eventId)).toBeLessThan(topOf(svg, base!.eventId));
    expect(topOf(svg, base!.eventId)).toBeLessThan(topOf(svg, left.eventId));
    expect(topOf(svg, left.eventId)).toBe(topOf(svg, right.eventId)); // siblings share a rank

    expect(await renderDagSvg(loadRoomDag(hs.storage, roomId))).toBe(svg);
  } finally {
    await hs.stop();
  }
});

function event(eventId: string, depth: number, prevEvents: string[], flags: Partial<DagEvent> = {}): DagEvent {
  return { eventId, type: 'm.room.message', stateKey: undefined, sender: '@m:x.test', depth, originServerTs: 0, receivedTs: 0, prevEvents, authEvents: [], outlier: false, softFailed: false, rejectedReason: undefined, forwardExtremity: false, ...flags };
}

test('rejected, soft-failed and outlier events and a missing prev_event are each drawn as such', async () => {
  const dag: RoomDag = {
    roomId: '!marks:x.test',
    roomVersion: '12',
    events: [
      event('$create', 1, [], { type: 'm.room.create', stateKey: '' }),
      event('$auth', 1, [], { outlier: true }),
      event('$tip', 2, ['$create', '$gone'], { forwardExtremity: true }),
      event('$bad', 2, ['$create'], { rejectedReason: 'sender not in room' }),
      event('$soft', 2, ['$create'], { softFailed: true }),
    ],
    forwardExtremities: [{ eventId: '$tip', depth: 2 }],
    backwardExtremities: ['$gone'],
  };
  const svg = await renderDagSvg(dag);
  const marks = marksOf(svg);
  expect(Object.fromEntries(marks)).toEqual({ $create: 'normal', $auth: 'outlier', $tip: 'extremity', $bad: 'rejected', $soft: 'soft-failed', $gone: 'missing' });
  expect(decode(svg)).toContain('✗ rejected');
  expect(decode(svg)).toContain('⚠ soft-failed');
  expect(decode(svg)).toContain('◌ outlier');
  // Node order in the DOT follows the export's order, so a reordered but equal graph is a different input only there.
  expect(dagLayoutDot(dag)).toBe(dagLayoutDot(structuredClone(dag)));
});

test('the HTML page is self-contained: inline SVG, each event\'s JSON, and event content cannot end its script', async () => {
  const hs = await startTestHomeserver('page.test');
  try {
    const roomId = await hs.rooms.createRoom({ creator: '@alice:page.test', preset: 'public_chat' });
    const hostile = await hs.rooms.sendLocalEvent(roomId, { type: 'm.room.message', sender: '@alice:page.test', content: { body: '</script><script>alert(1)</script>' } });
    const dag = loadRoomDag(hs.storage, roomId);
    const html = await renderDagHtml('a room', [{ title: 'page.test', dag, details: eventDetails(hs.storage, dag) }]);
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/); // nothing loaded from elsewhere
    expect(html.match(/<svg/g)).toHaveLength(1);
    const json = /<script type="application\/json" id="dag-details">([^<]*)<\/script>/.exec(html)![1]!;
    const details = JSON.parse(json)['0'];
    expect(Object.keys(details).sort()).toEqual(dag.events.map((e) => e.eventId).sort());
    expect(details[hostile.eventId]).toMatchObject({ forward_extremity: true, pdu: { content: { body: '</script><script>alert(1)</script>' } } });
  } finally {
    await hs.stop();
  }
});

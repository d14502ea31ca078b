// Many async writers into one room: each reads the extremities, yields, then persists; the set stays consistent.
import { openStorageWithHandle, rowCount } from './support/storage-with-handle';
import type { RoomEvent } from '../../src/protocol/room-event';
import { MinimalRoom } from './support/minimal-room';

test('40 concurrent async writers × 25 events keep the extremities consistent', async () => {
  const { storage: s, db } = openStorageWithHandle();
  const dag = new MinimalRoom('10');
  s.persistEvents([{ event: dag.create }, { event: dag.join }]);
  const built = new Map<string, RoomEvent>([[dag.create.eventId, dag.create], [dag.join.eventId, dag.join]]);
  const pause = (): Promise<void> => new Promise((r) => (Math.random() < 0.5 ? setImmediate(r) : setTimeout(r, Math.random() * 3)));
  let written = 0;
  const writer = async (w: number): Promise<void> => {
    for (let i = 0; i < 25; i++) {
      const prevs = s.getForwardExtremities(dag.roomId, 10).map((e) => built.get(e.eventId) as RoomEvent);
      await pause(); // others write meanwhile: our prevs may no longer be the extremities
      const event = dag.message(prevs, `w${w}-${i}`);
      built.set(event.eventId, event);
      s.persistEvents([{ event, softFailed: i % 7 === 6 }]);
      written++;
    }
  };
  await Promise.all(Array.from({ length: 40 }, (_, w) => writer(w)));
  expect(written).toBe(1000);
  expect(rowCount(db, 'events')).toBe(1002);
  expect(s.verifyRoom(dag.roomId)).toEqual({ ok: true, problems: [] });
  const tips = s.getForwardExtremities(dag.roomId);
  expect(tips.length).toBeGreaterThan(1); // the writers really raced and forked
  // Merging 20 tips at a time converges to a single extremity, checked at every step.
  for (let tip = tips; tip.length > 1; tip = s.getForwardExtremities(dag.roomId)) {
    const merge = dag.message(s.getForwardExtremities(dag.roomId, 20).map((e) => built.get(e.eventId) as RoomEvent));
    built.set(merge.eventId, merge);
    s.persistEvents([{ event: merge }]);
    expect(s.getForwardExtremities(dag.roomId).length).toBe(tip.length - Math.min(20, tip.length) + 1);
  }
  expect(s.verifyRoom(dag.roomId)).toEqual({ ok: true, problems: [] });
  s.close();
});

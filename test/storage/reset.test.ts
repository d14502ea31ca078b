// Storage.reset: every row but the signing keys and the schema goes, the caches with them, and foreign
// keys are enforced again afterwards (the reset turns them off to empty tables at once).
import { EventFactory } from '../../src/testing';
import { openStorageWithHandle, rowCount } from './support/storage-with-handle';

test('reset empties the store, keeps the signing key, and leaves foreign keys on', () => {
  const { storage, db } = openStorageWithHandle();
  storage.signingKeys.add({ keyId: 'ed25519:k', seed: 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1' });
  const f = new EventFactory({ roomVersion: '10' });
  const create = f.build({ type: 'm.room.create', sender: '@alice:test.local', stateKey: '', content: { creator: '@alice:test.local', room_version: '10' }, roomId: '!r:test.local' });
  storage.persistEvents([{ event: create, outlier: false, stateBefore: new Map() }]);
  expect(storage.hasRoom(create.roomId)).toBe(true);
  expect(rowCount(db, 'events')).toBeGreaterThan(0);

  storage.reset();

  expect(storage.hasRoom(create.roomId)).toBe(false);
  expect(storage.getEvent(create.eventId)).toBeUndefined();
  expect(rowCount(db, 'events')).toBe(0);
  expect(rowCount(db, 'signing_keys')).toBe(1);
  expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  storage.close();
});

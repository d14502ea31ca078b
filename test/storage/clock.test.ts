// One injected clock stamps every row storage dates: received events, new rooms, accounts, tokens,
// transactions, signing keys and the migrations applied at open.
import { openStorage } from '../../src/storage';
import { openStorageWithHandle } from './support/storage-with-handle';
import { MinimalRoom } from './support/minimal-room';

test('rows are stamped with the clock given at open, not the wall clock', () => {
  let t = 1_000;
  const now = () => t;
  const { storage: s, db } = openStorageWithHandle(':memory:', { now });
  expect(db.prepare('SELECT DISTINCT applied_ts FROM schema_migrations').all()).toEqual([{ applied_ts: 1_000 }]);
  t = 2_000;
  const dag = new MinimalRoom('10');
  s.persistEvents([{ event: dag.create }, { event: dag.join }]);
  expect(s.getEvent(dag.join.eventId)?.receivedTs).toBe(2_000);
  expect(db.prepare('SELECT created_ts FROM rooms').all()).toEqual([{ created_ts: 2_000 }]);
  t = 3_000;
  s.users.create({ userId: '@u:test.local' });
  expect(s.users.get('@u:test.local')?.createdTs).toBe(3_000);
  s.signingKeys.add({ keyId: 'ed25519:k', seed: 'seed' });
  t = 4_000;
  s.signingKeys.retire('ed25519:k');
  expect(s.signingKeys.all()).toEqual([{ keyId: 'ed25519:k', seed: 'seed', createdTs: 3_000, retiredTs: 4_000 }]);
  s.accessTokens.add('tok', '@u:test.local', 'DEV');
  s.clientTxns.record(s.accessTokens.lookup('tok')!.tokenHash, 'txn', '$e');
  s.transactions.record('origin.test', 'txn', {});
  expect(db.prepare('SELECT created_ts FROM access_tokens').get()).toEqual({ created_ts: 4_000 });
  expect(db.prepare('SELECT created_ts FROM client_txns').get()).toEqual({ created_ts: 4_000 });
  expect(db.prepare('SELECT received_ts FROM received_transactions').get()).toEqual({ received_ts: 4_000 });
  s.close();
});

test('without a clock, storage uses the wall clock', () => {
  const s = openStorage(':memory:');
  const dag = new MinimalRoom('10');
  const t0 = Date.now();
  s.persistEvents([{ event: dag.create }]);
  expect(s.getEvent(dag.create.eventId)!.receivedTs).toBeGreaterThanOrEqual(t0);
  s.close();
});

// `dagmar verify`: the storage invariant check (extremities, state snapshots, current state), run
// offline over every room or the given ones; exit status 1 when any room has a problem.
import { listRooms } from '../admin/room-list';
import { CliCommand } from './cli-command';
import { configFromValues, dataDirOptions } from './config-options';
import { openDataDir } from './offline-storage';

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'check the stored DAG invariants of every room (or the given ones) offline; exit 1 on any problem',
  usage: 'dagmar verify [--data-dir DIR] [--config FILE] [ROOM_ID…]',
  options: dataDirOptions(),
  run(values, positionals) {
    const config = configFromValues(values);
    const storage = openDataDir(config.dataDir);
    try {
      const summaries = new Map(listRooms(storage).map((r) => [r.roomId, r]));
      const roomIds = positionals.length > 0 ? positionals : [...summaries.keys()];
      if (roomIds.length === 0) {
        process.stdout.write('no rooms stored\n');
        return 0;
      }
      let failed = 0;
      for (const roomId of roomIds) {
        const summary = summaries.get(roomId);
        const result = storage.verifyRoom(roomId);
        const about = summary ? ` (v${summary.roomVersion}, ${summary.events} events, ${summary.forwardExtremities} forward extremities)` : '';
        process.stdout.write(`${result.ok ? 'ok  ' : 'FAIL'} ${roomId}${about}\n`);
        for (const problem of result.problems) process.stdout.write(`     - ${problem}\n`);
        if (!result.ok) failed++;
      }
      process.stdout.write(`${roomIds.length} room(s) checked, ${failed} with problems\n`);
      return failed === 0 ? 0 : 1;
    } finally {
      storage.close();
    }
  },
};

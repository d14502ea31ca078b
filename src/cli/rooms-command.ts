// `dagmar rooms`: lists the stored rooms with their version, event count and forward extremities, offline.
import { listRooms } from '../admin/room-list';
import { CliCommand } from './cli-command';
import { configFromValues, dataDirOptions } from './config-options';
import { openDataDir } from './offline-storage';

export const roomsCommand: CliCommand = {
  name: 'rooms',
  summary: 'list the stored rooms (version, events, forward extremities) from the data directory',
  usage: 'dagmar rooms [--json] [--data-dir DIR] [--config FILE]',
  options: {
    json: { type: 'boolean', help: 'print JSON instead of a table' },
    ...dataDirOptions(),
  },
  run(values) {
    const storage = openDataDir(configFromValues(values).dataDir);
    try {
      const rooms = listRooms(storage);
      if (values.json === true) {
        process.stdout.write(`${JSON.stringify(rooms.map((r) => ({ room_id: r.roomId, room_version: r.roomVersion, events: r.events, forward_extremities: r.forwardExtremities })), null, 2)}\n`);
        return 0;
      }
      const width = Math.max(7, ...rooms.map((r) => r.roomId.length));
      process.stdout.write(`${'ROOM ID'.padEnd(width)}  VERSION  EVENTS  EXTREMITIES\n`);
      for (const r of rooms) process.stdout.write(`${r.roomId.padEnd(width)}  ${r.roomVersion.padEnd(7)}  ${String(r.events).padStart(6)}  ${String(r.forwardExtremities).padStart(11)}\n`);
      return 0;
    } finally {
      storage.close();
    }
  },
};

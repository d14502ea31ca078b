// `dagmar dag export ROOM`: prints a room's event graph offline as JSON or Graphviz DOT, with the same
// renderer as GET /_dagmar/admin/v1/rooms/{roomId}/dag, or as SVG or a self-contained HTML page laid out
// by the testbed dashboard's renderer (src/testbed/dag-render/).
import { writeFileSync } from 'node:fs';
import { isDagFormat, renderDag } from '../admin/dag-export';
import { loadRoomDag, RoomDag } from '../admin/room-dag';
import type { Storage } from '../storage';
import { renderDagHtml } from '../testbed/dag-render/dag-html';
import { renderDagSvg } from '../testbed/dag-render/dag-svg';
import { eventDetails } from '../testbed/dag-render/event-details';
import { CliCommand } from './cli-command';
import { configFromValues, dataDirOptions } from './config-options';
import { openDataDir } from './offline-storage';

const USAGE = 'dagmar dag export ROOM_ID [--format json|dot|svg|html] [--out FILE] [--data-dir DIR] [--config FILE]';

const PICTURE_FORMATS: readonly string[] = ['svg', 'html'];

/** The data directory does not record which server wrote it, so the page is titled by the directory. */
async function renderPicture(storage: Storage, dag: RoomDag, format: string, dataDir: string): Promise<string> {
  if (format === 'svg') return renderDagSvg(dag);
  return renderDagHtml(dag.roomId, [{ title: dataDir, dag, details: eventDetails(storage, dag) }]);
}

export const dagCommand: CliCommand = {
  name: 'dag',
  summary: 'dag export ROOM: print a room\'s event graph (JSON, or DOT for Graphviz) from the data directory',
  usage: USAGE,
  options: {
    format: { type: 'string', help: 'json (default), dot (for Graphviz), svg (laid out here), or html (a self-contained page: hover an event for its JSON)' },
    out: { type: 'string', help: 'file to write (default: stdout)' },
    ...dataDirOptions(),
  },
  async run(values, positionals) {
    const [action, roomId, ...extra] = positionals;
    if (action !== 'export' || roomId === undefined || extra.length > 0) {
      process.stderr.write(`dagmar dag: expected \`dag export ROOM_ID\`\nusage: ${USAGE}\n`);
      return 2;
    }
    const format = typeof values.format === 'string' ? values.format : 'json';
    if (!isDagFormat(format) && !PICTURE_FORMATS.includes(format)) {
      process.stderr.write(`dagmar dag: --format must be json, dot, svg or html, not ${JSON.stringify(format)}\n`);
      return 2;
    }
    const config = configFromValues(values);
    const storage = openDataDir(config.dataDir);
    try {
      if (!storage.hasRoom(roomId)) {
        process.stderr.write(`dagmar dag: room ${roomId} is not stored\n`);
        return 1;
      }
      const dag = loadRoomDag(storage, roomId);
      const text = isDagFormat(format) ? renderDag(dag, format) : await renderPicture(storage, dag, format, config.dataDir);
      if (typeof values.out === 'string') writeFileSync(values.out, text);
      else process.stdout.write(text);
      return 0;
    } finally {
      storage.close();
    }
  },
};

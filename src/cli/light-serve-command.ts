// `dagmar light serve`: runs one light server (MSC4370 caller, no DAG) until SIGINT or SIGTERM, with the
// local control API (/_dagmar/light/v1) on the same port when an admin token is given.
import { resolve } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config';
import { createLightServer } from '../light';
import { LIGHT_CONTROL_PREFIX } from '../light/control-routes';
import type { CliCommand } from './cli-command';
import { nextSignal } from './serve-command';

export const lightServeCommand: CliCommand = {
  name: 'serve',
  summary: 'run a light server (learns room state over MSC4370, sends without a DAG) until SIGINT/SIGTERM',
  usage: 'dagmar light serve --server-name NAME --listen HOST:PORT [--data-dir DIR] [--host-map FILE] [--admin-token TOKEN] [--log-level LEVEL]',
  options: {
    'server-name': { type: 'string', help: 'our server name, in user IDs and signatures (required)' },
    listen: { type: 'string', help: 'HOST:PORT to listen on, federation and control API (required)' },
    'data-dir': { type: 'string', help: 'keeps the signing key and the verified cache across restarts (default :memory:, lost on stop)' },
    'host-map': { type: 'string', help: 'JSON file mapping server names to base URLs (local testbeds)' },
    'admin-token': { type: 'string', help: `bearer token for the control API ${LIGHT_CONTROL_PREFIX} (off without it) [DAGMAR_ADMIN_TOKEN]` },
    'log-level': { type: 'string', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
  },
  async run(values) {
    for (const required of ['server-name', 'listen']) {
      if (typeof values[required] !== 'string') throw new Error(`--${required} is required`);
    }
    const adminToken = (values['admin-token'] as string | undefined) ?? process.env.DAGMAR_ADMIN_TOKEN;
    // The full server's settings validate the shared ones (server name, HOST:PORT, host map file, log level).
    const flags: Record<string, string> = {};
    for (const name of ['server-name', 'listen', 'host-map', 'log-level']) if (typeof values[name] === 'string') flags[name] = values[name] as string;
    const config = loadConfig({ flags });
    const dataDir = typeof values['data-dir'] === 'string' && values['data-dir'] !== ':memory:' ? resolve(values['data-dir']) : ':memory:';
    const logger = pino({ name: config.serverName, level: config.logLevel });
    const light = createLightServer({
      serverName: config.serverName,
      dataDir,
      hostMap: config.hostMap,
      logger,
      ...(adminToken ? { adminToken } : {}),
    });
    const i = config.listen.lastIndexOf(':');
    let url: string;
    try {
      url = (await light.start({ host: config.listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(config.listen.slice(i + 1)) })).url;
    } catch (error) {
      await light.stop();
      throw new Error(`cannot listen on ${config.listen}: ${(error as Error).message}`);
    }
    logger.info({ url, serverName: light.serverName, dataDir, control: adminToken !== undefined, pid: process.pid }, 'dagmar light serve started');
    process.stderr.write(
      [
        `dagmar light serving ${light.serverName} at ${url}`,
        `  data dir:     ${dataDir}${dataDir === ':memory:' ? ' (key and cache are lost on stop; set --data-dir)' : ''}`,
        `  rooms:        ${light.knownRooms().length} known`,
        `  control API:  ${adminToken ? `${url}${LIGHT_CONTROL_PREFIX} (Authorization: Bearer <admin token>)` : 'off (set --admin-token)'}`,
        '',
      ].join('\n'),
    );
    const signal = await nextSignal(light);
    logger.info({ signal }, 'stopping');
    await light.stop();
    logger.info({ signal }, 'stopped');
    setTimeout(() => process.exit(0), 1000).unref();
    return 0;
  },
};

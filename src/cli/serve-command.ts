// `dagmar serve`: runs one homeserver from flags, DAGMAR_* variables and a config file until SIGINT or
// SIGTERM, then stops gracefully (server, outbound sender, storage).
import { resolve } from 'node:path';
import type { DagmarConfig } from '../config';
import { createHomeserver, Homeserver } from '../homeserver';
import type { RunningServer } from '../http/listen';
import { CliCommand } from './cli-command';
import { configFromValues, settingOptions } from './config-options';

/** How long in-flight requests (a long-polling client, a slow /send) may take to finish on stop. */
const DRAIN_MS = 5000;

function listenError(error: unknown, config: DagmarConfig): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `cannot listen on ${config.listen}: the address is already in use (another dagmar or server running? choose another with --listen HOST:PORT)`;
  if (code === 'EACCES') return `cannot listen on ${config.listen}: permission denied (ports below 1024 need privileges)`;
  if (code === 'EADDRNOTAVAIL') return `cannot listen on ${config.listen}: no such local address`;
  return `cannot listen on ${config.listen}: ${(error as Error).message}`;
}

/** Where /metrics is served: its own listener, behind the admin token, or not at all. */
function metricsLine(hs: Homeserver, config: DagmarConfig, url: string): string {
  const own = hs.metricsUrl();
  if (own !== undefined) return `${own}/metrics (no token; --metrics-listen)`;
  if (config.adminToken !== undefined) return `${url}/metrics (Authorization: Bearer <admin token>)`;
  return 'off (set --metrics-listen HOST:PORT or --admin-token)';
}

/** Resolves with the first of SIGINT/SIGTERM; a second signal while stopping exits at once. */
export function nextSignal(hs: { logger: Pick<Homeserver['logger'], 'warn'> }): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const force = (again: NodeJS.Signals) => {
        hs.logger.warn({ signal: again }, 'second signal: exiting without a graceful stop');
        process.exit(130);
      };
      process.once('SIGINT', force);
      process.once('SIGTERM', force);
      done(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run the homeserver (federation, client API, admin API, /metrics) until SIGINT/SIGTERM',
  usage: 'dagmar serve [--config FILE] [--data-dir DIR] [--listen HOST:PORT] [--server-name NAME] [--host-map FILE] [--enable-registration] [--admin-token TOKEN] [--metrics-listen HOST:PORT] [--allow-private-addresses] [--rate-limit on|off] [...]',
  options: settingOptions(),
  async run(values) {
    const config = configFromValues(values);
    const hs = createHomeserver(config);
    const dataDir = config.dataDir === ':memory:' ? ':memory:' : resolve(config.dataDir);
    let running: RunningServer;
    try {
      running = await hs.start();
    } catch (error) {
      await hs.stop();
      process.stderr.write(`dagmar serve: ${listenError(error, config)}\n`);
      return 1;
    }
    hs.logger.info(
      { url: running.url, serverName: hs.serverName, dataDir, registration: config.enableRegistration, admin: config.adminToken !== undefined, pid: process.pid },
      'dagmar serve started',
    );
    // Humans read stderr; stdout carries only the JSON log lines, for log shippers.
    process.stderr.write(
      [
        `dagmar serving ${hs.serverName} at ${running.url}`,
        `  data dir:     ${dataDir}`,
        `  registration: ${config.enableRegistration ? 'open' : 'off'}`,
        `  admin API:    ${config.adminToken !== undefined ? `${running.url}/_dagmar/admin/v1` : 'off (set --admin-token)'}`,
        `  metrics:      ${metricsLine(hs, config, running.url)}`,
        '',
      ].join('\n'),
    );
    const signal = await nextSignal(hs);
    hs.logger.info({ signal }, 'stopping');
    const drain = setTimeout(() => running.server.closeAllConnections(), DRAIN_MS);
    drain.unref();
    await hs.stop();
    clearTimeout(drain);
    hs.logger.info({ signal }, 'stopped');
    // Anything still holding the event loop (a stray keep-alive socket) must not keep a stopped server alive.
    setTimeout(() => process.exit(0), 1000).unref();
    return 0;
  },
};

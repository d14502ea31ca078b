// A running testbed: the servers (full and light), the step runner, and the dashboard with the control API on
// one port. What `dagmar testbed up` starts, and `testbed run --keep` leaves running after its scenario.
import type { HomeserverOptions } from '../homeserver';
import { controlRouter } from './control-routes';
import { Dashboard, startDashboard, TESTBED_PREFIX } from './dashboard-server';
import { ScenarioRunner } from './scenario-runner';
import { Testbed } from './testbed';

/**
 * What a testbed's servers run with: open registration (anyone driving it with curl or an SDK registers),
 * no federation rate limit (every peer is on loopback, and scripted bursts are the point), and quick retries
 * so that a healed link delivers within a second instead of the production backoff's minutes.
 */
export const TESTBED_SERVER_DEFAULTS: HomeserverOptions = { enableRegistration: true, rateLimit: false, initialBackoffMs: 50, maxBackoffMs: 1000 };

export interface TestbedInstanceOptions {
  servers: readonly string[];
  light?: readonly string[];
  /** ':memory:' (default) or a directory with one directory per server. */
  dataDir?: string;
  /** The dashboard's and control API's port (0: any free one). */
  port?: number;
  /** The servers' ports start here, one each (default: any free ones). */
  firstServerPort?: number;
  host?: string;
  roomVersion?: string;
  /** More server options (e.g. antiEntropyIntervalSeconds, logLevel). */
  server?: HomeserverOptions;
}

export interface TestbedInstance {
  testbed: Testbed;
  runner: ScenarioRunner;
  /** Started by startDashboard() (run does not need one). */
  dashboard?: Dashboard;
  startDashboard(port?: number): Promise<Dashboard>;
  /** The URLs to print: each server's, and the dashboard's and control API's. */
  describe(): string[];
  stop(): Promise<void>;
}

export async function startTestbedInstance(options: TestbedInstanceOptions): Promise<TestbedInstance> {
  const testbed = new Testbed({ server: { ...TESTBED_SERVER_DEFAULTS, ...options.server }, ...(options.dataDir ? { dataDir: options.dataDir } : {}), ...(options.host ? { host: options.host } : {}), ...(options.firstServerPort ? { firstPort: options.firstServerPort } : {}) });
  try {
    // Started one after another: each learns the addresses of those before it, and they of it.
    for (const name of options.servers) await testbed.add(name);
    for (const name of options.light ?? []) await testbed.addLight(name);
  } catch (e) {
    await testbed.stop();
    throw e;
  }
  const runner = new ScenarioRunner(testbed, options.roomVersion ? { roomVersion: options.roomVersion } : {});
  const instance: TestbedInstance = {
    testbed,
    runner,
    async startDashboard(port = options.port ?? 0) {
      instance.dashboard = await startDashboard({
        servers: testbed.servers,
        links: () => testbed.links(),
        rooms: () => runner.roomLabels(),
        host: options.host ?? '127.0.0.1',
        port,
        routers: [controlRouter(testbed, runner)],
      });
      return instance.dashboard;
    },
    describe() {
      const lines = [
        ...testbed.servers.map((hs) => `server ${hs.serverName}  ${hs.url()}  (client API ${hs.url()}/_matrix/client/v3, registration open)`),
        ...testbed.lights.map((l) => `light  ${l.serverName}  ${l.url()}`),
      ];
      const d = instance.dashboard;
      if (d) lines.push(`dashboard    ${d.url}/`, `control API  ${d.url}${TESTBED_PREFIX}/{links,partition,heal,steps}`);
      return lines;
    },
    async stop() {
      await instance.dashboard?.close();
      await testbed.stop();
    },
  };
  return instance;
}

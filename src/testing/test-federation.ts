// Starting dagmar servers for tests: in memory, on ephemeral loopback ports, wired to each other.
import { createHomeserver, Homeserver, HomeserverOptions } from '../homeserver';

/** Quick retries, no rate limit, nothing on disk: what a test wants unless it says otherwise. */
const TEST_DEFAULTS: HomeserverOptions = { dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 500 };

/** Starts one in-memory server on 127.0.0.1 with an ephemeral port. */
export async function startTestHomeserver(serverName: string, options: HomeserverOptions = {}): Promise<Homeserver> {
  const hs = createHomeserver({ ...TEST_DEFAULTS, ...options, serverName });
  await hs.start({ port: 0 });
  return hs;
}

export interface TestFederation {
  servers: Homeserver[];
  /** The server with this name. */
  get(serverName: string): Homeserver;
  /** Adds a server and teaches every server every other's address. */
  add(serverName: string, options?: HomeserverOptions): Promise<Homeserver>;
  stop(): Promise<void>;
}

/** Starts several servers that know each other's loopback addresses (a local federation testbed). */
export async function startTestFederation(serverNames: readonly string[], options: HomeserverOptions = {}): Promise<TestFederation> {
  const servers: Homeserver[] = [];
  const federation: TestFederation = {
    servers,
    get(serverName) {
      const hs = servers.find((s) => s.serverName === serverName);
      if (!hs) throw new Error(`no server ${serverName} in this test federation`);
      return hs;
    },
    async add(serverName, extra = {}) {
      const hs = await startTestHomeserver(serverName, { ...options, ...extra });
      for (const other of servers) {
        other.hostMap.set(serverName, hs.url());
        hs.hostMap.set(other.serverName, other.url());
      }
      servers.push(hs);
      return hs;
    },
    async stop() {
      for (const hs of servers.splice(0)) await hs.stop();
    },
  };
  for (const name of serverNames) await federation.add(name);
  return federation;
}

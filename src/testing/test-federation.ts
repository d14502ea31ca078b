// Starting dagmar servers for tests: in memory, on ephemeral loopback ports, wired to each other.
import { createHomeserver, Homeserver, HomeserverOptions } from '../homeserver';
import { createLightServer, LightServer, LightServerOptions } from '../light';
import { LinkState, LinkTable } from '../federation/client/link-policy';

export type { LinkState } from '../federation/client/link-policy';

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
  /** Light servers added with addLight. */
  lights: LightServer[];
  /** Adds a light server (MSC4370 caller, no DAG) that every full server knows the address of, and knows theirs. */
  addLight(serverName: string, options?: Omit<LightServerOptions, 'serverName'>): Promise<LightServer>;
  /**
   * Sets the link from one server to another (one direction): 'up', 'down' (refused), 'drop' (a /send
   * answered 200 but not delivered; other requests lost) or { delayMs } (held). See link-policy.ts.
   */
  link(from: string, to: string, state: LinkState): void;
  /** Cuts every link between servers of different groups, both ways ('down' unless told otherwise). */
  partition(groups: ReadonlyArray<readonly string[]>, mode?: Exclude<LinkState, 'up'>): void;
  /** Every link back up. */
  heal(): void;
  /**
   * The link table of a server name, for a server started outside this federation (e.g. a light
   * server) that should obey fed.link too: give it to that server's federation client as its linkPolicy.
   */
  linkPolicyOf(serverName: string): LinkTable;
  stop(): Promise<void>;
}

/** Starts several servers that know each other's loopback addresses (a local federation testbed). */
export async function startTestFederation(serverNames: readonly string[], options: HomeserverOptions = {}): Promise<TestFederation> {
  const servers: Homeserver[] = [];
  const lights: LightServer[] = [];
  const links = new Map<string, LinkTable>();
  const linkPolicyOf = (serverName: string): LinkTable => {
    let table = links.get(serverName);
    if (!table) links.set(serverName, (table = new LinkTable()));
    return table;
  };
  const federation: TestFederation = {
    servers,
    lights,
    get(serverName) {
      const hs = servers.find((s) => s.serverName === serverName);
      if (!hs) throw new Error(`no server ${serverName} in this test federation`);
      return hs;
    },
    async add(serverName, extra = {}) {
      const hs = await startTestHomeserver(serverName, { linkPolicy: linkPolicyOf(serverName), ...options, ...extra });
      for (const other of servers) {
        other.hostMap.set(serverName, hs.url());
        hs.hostMap.set(other.serverName, other.url());
      }
      for (const light of lights) {
        light.hostMap.set(serverName, hs.url());
        hs.hostMap.set(light.serverName, light.url());
      }
      servers.push(hs);
      return hs;
    },
    async addLight(serverName, extra = {}) {
      const light = createLightServer({ dataDir: ':memory:', rateLimit: false, linkPolicy: linkPolicyOf(serverName), ...extra, serverName });
      await light.start({ port: 0 });
      for (const hs of servers) {
        hs.hostMap.set(serverName, light.url());
        light.hostMap.set(hs.serverName, hs.url());
      }
      lights.push(light);
      return light;
    },
    link(from, to, state) {
      linkPolicyOf(from).set(to, state);
    },
    partition(groups, mode = 'down') {
      for (const [i, group] of groups.entries()) {
        for (const other of groups.filter((_, j) => j !== i)) {
          for (const from of group) for (const to of other) linkPolicyOf(from).set(to, mode);
        }
      }
    },
    heal() {
      for (const table of links.values()) table.clear();
    },
    linkPolicyOf,
    async stop() {
      for (const light of lights.splice(0)) await light.stop();
      for (const hs of servers.splice(0)) await hs.stop();
    },
  };
  for (const name of serverNames) await federation.add(name);
  return federation;
}

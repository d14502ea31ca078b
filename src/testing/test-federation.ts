// Starting dagmar servers for tests: in memory, on ephemeral loopback ports, wired to each other.
import { createHomeserver, Homeserver, HomeserverOptions } from '../homeserver';
import type { LightServer, LightServerOptions } from '../light';
import { Testbed } from '../testbed/testbed';
import type { LinkState, LinkTable } from '../federation/client/link-policy';

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

/** Starts several servers that know each other's loopback addresses (a local federation testbed, src/testbed/testbed.ts). */
export async function startTestFederation(serverNames: readonly string[], options: HomeserverOptions = {}): Promise<TestFederation> {
  const testbed = new Testbed({ server: { ...TEST_DEFAULTS, ...options } });
  const federation: TestFederation = {
    servers: testbed.servers,
    lights: testbed.lights,
    get: (serverName) => testbed.get(serverName),
    add: (serverName, extra = {}) => testbed.add(serverName, extra),
    addLight: (serverName, extra = {}) => testbed.addLight(serverName, extra),
    link: (from, to, state) => testbed.link(from, to, state),
    partition: (groups, mode) => testbed.partition(groups, mode),
    heal: () => testbed.heal(),
    linkPolicyOf: (serverName) => testbed.linkPolicyOf(serverName),
    stop: () => testbed.stop(),
  };
  for (const name of serverNames) await federation.add(name);
  return federation;
}

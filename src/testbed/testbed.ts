// A local federation on one machine: full and light servers on loopback ports that know each other's addresses,
// and the link table between them (link faults, src/federation/client/link-policy.ts). `dagmar testbed run|up`
// and `dagmar/testing`'s startTestFederation both stand on it.
import { join as joinPath } from 'node:path';
import { LinkState as PolicyState, LinkTable } from '../federation/client/link-policy';
import { createHomeserver, Homeserver, HomeserverOptions } from '../homeserver';
import { createLightServer, LightServer, LightServerOptions } from '../light';
import { LinkState } from './link-state';

export interface TestbedOptions {
  /** Defaults for every full server (the per-server options of add() win). */
  server?: HomeserverOptions;
  /** ':memory:' (default) or a directory holding one directory per server, named after it. */
  dataDir?: string;
  /** Interface every server listens on (default 127.0.0.1). */
  host?: string;
  /** The first server listens here, the next one port above, and so on; default: any free port each. */
  firstPort?: number;
}

export class Testbed {
  readonly servers: Homeserver[] = [];
  readonly lights: LightServer[] = [];
  private readonly tables = new Map<string, LinkTable>();

  constructor(private readonly options: TestbedOptions = {}) {}

  /** Every server name, full ones first, in the order they were added. */
  names(): string[] {
    return [...this.servers.map((s) => s.serverName), ...this.lights.map((l) => l.serverName)];
  }

  get(serverName: string): Homeserver {
    const hs = this.servers.find((s) => s.serverName === serverName);
    if (!hs) throw new Error(`no server ${serverName} in this testbed`);
    return hs;
  }

  light(serverName: string): LightServer {
    const light = this.lights.find((s) => s.serverName === serverName);
    if (!light) throw new Error(`no light server ${serverName} in this testbed`);
    return light;
  }

  /** The outbound link table of a server name (created empty, every link up, on first use). */
  linkPolicyOf(serverName: string): LinkTable {
    let table = this.tables.get(serverName);
    if (!table) this.tables.set(serverName, (table = new LinkTable()));
    return table;
  }

  /** The next server's port: predictable ones for people who curl them, else any free one. */
  private nextPort(): number {
    const first = this.options.firstPort;
    return first ? first + this.servers.length + this.lights.length : 0;
  }

  private dataDirOf(serverName: string): string {
    const dir = this.options.dataDir ?? ':memory:';
    return dir === ':memory:' ? dir : joinPath(dir, serverName);
  }

  /** Starts a full server and teaches it and every other server each other's address. */
  async add(serverName: string, extra: HomeserverOptions = {}): Promise<Homeserver> {
    const hs = createHomeserver({ dataDir: this.dataDirOf(serverName), linkPolicy: this.linkPolicyOf(serverName), ...this.options.server, ...extra, serverName });
    await hs.start({ host: this.options.host ?? '127.0.0.1', port: this.nextPort() });
    for (const other of [...this.servers, ...this.lights]) {
      other.hostMap.set(serverName, hs.url());
      hs.hostMap.set(other.serverName, other.url());
    }
    this.servers.push(hs);
    return hs;
  }

  /** Starts a light server (MSC4370 caller, no DAG) that obeys the same link table. */
  async addLight(serverName: string, extra: Omit<LightServerOptions, 'serverName'> = {}): Promise<LightServer> {
    const light = createLightServer({ dataDir: this.dataDirOf(serverName), rateLimit: false, linkPolicy: this.linkPolicyOf(serverName), ...extra, serverName });
    await light.start({ host: this.options.host ?? '127.0.0.1', port: this.nextPort() });
    for (const hs of this.servers) {
      hs.hostMap.set(serverName, light.url());
      light.hostMap.set(hs.serverName, hs.url());
    }
    this.lights.push(light);
    return light;
  }

  /** One direction: `from`'s requests to `to`. */
  link(from: string, to: string, state: PolicyState): void {
    this.linkPolicyOf(from).set(to, state);
  }

  /** Cuts every link between servers of different groups, both ways ('down' unless told otherwise). */
  partition(groups: ReadonlyArray<readonly string[]>, mode: Exclude<PolicyState, 'up'> = 'down'): void {
    for (const [i, group] of groups.entries()) {
      for (const other of groups.filter((_, j) => j !== i)) {
        for (const from of group) for (const to of other) this.link(from, to, mode);
      }
    }
  }

  /** Every link back up. */
  heal(): void {
    for (const table of this.tables.values()) table.clear();
  }

  /** Every ordered pair of servers with its link, as the dashboard draws them. */
  links(): LinkState[] {
    const names = this.names();
    return names.flatMap((from) =>
      names
        .filter((to) => to !== from)
        .map((to): LinkState => {
          const state = this.linkPolicyOf(from).linkTo(to);
          return typeof state === 'object' ? { from, to, mode: 'delay', delayMs: state.delayMs } : { from, to, mode: state };
        }),
    );
  }

  async stop(): Promise<void> {
    for (const light of this.lights.splice(0)) await light.stop();
    for (const hs of this.servers.splice(0)) await hs.stop();
  }
}

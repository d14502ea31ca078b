// The data model of the links between testbed servers as the dashboard reads it: Testbed.links() lists the real
// link table (testbed.ts); a dashboard started without one shows every link up.

/** up: delivered; down: refused (the sender sees a connection error and retries); drop: accepted and lost; delay: delivered late. */
export type LinkMode = 'up' | 'down' | 'drop' | 'delay';

/** One direction: `from`'s requests to `to`. */
export interface LinkState {
  from: string;
  to: string;
  mode: LinkMode;
  /** Only with mode 'delay'. */
  delayMs?: number;
}

/** Every ordered pair of servers, up: what a testbed without link faults has. */
export function allLinksUp(serverNames: readonly string[]): LinkState[] {
  return serverNames.flatMap((from) => serverNames.filter((to) => to !== from).map((to) => ({ from, to, mode: 'up' as const })));
}

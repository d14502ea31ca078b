// A federation member that lies on purpose: a real dagmar server (evil.test) in the room, with a
// middleware in front of its federation app that rewrites chosen answers (or holds them back) before
// they go out over real HTTP. Everything it does not rewrite is the honest server's answer.
import type { Context } from 'koa';
import { joinRemoteRoom } from '../../../src/testing/join-remote-room';
import { createHomeserver, Homeserver } from '../../../src/homeserver';
import { eventually } from '../../../src/testing/eventually';
import { LightRoomFixture, waitConverged } from './light-fixture';

/** Gets the honest answer body (JSON) and returns what to send instead. */
export type Rewrite = (body: Record<string, unknown>, ctx: Context) => unknown;

export class LyingServer {
  private rules: Array<{ pattern: RegExp; rewrite?: Rewrite; hang?: boolean; answer?: unknown; status?: number }> = [];
  private readonly held: Array<() => void> = [];
  /** `METHOD /path` (decoded) of every federation request it received. */
  readonly requests: string[] = [];

  constructor(readonly hs: Homeserver) {
    hs.federation.app.middleware.unshift(async (ctx, next) => {
      const line = `${ctx.method} ${decodeURIComponent(ctx.path)}`;
      this.requests.push(line);
      const rule = this.rules.find((r) => r.pattern.test(line));
      if (rule?.hang) await new Promise<void>((resolve) => this.held.push(resolve));
      if (rule?.answer !== undefined) {
        ctx.status = rule.status ?? 200;
        ctx.body = rule.answer;
        return;
      }
      await next();
      if (rule?.rewrite && ctx.status === 200) ctx.body = rule.rewrite(ctx.body as Record<string, unknown>, ctx);
    });
  }

  /** Rewrites the answers to requests whose `METHOD /path` matches. */
  lie(pattern: RegExp, rewrite: Rewrite): void {
    this.rules.push({ pattern, rewrite });
  }

  /** Answers matching requests with `answer` itself, without asking the honest server. */
  serve(pattern: RegExp, answer: unknown, status = 200): void {
    this.rules.push({ pattern, answer, status });
  }

  /** Holds back answers to matching requests until release() (a server that stops answering). */
  hang(pattern: RegExp): void {
    this.rules.push({ pattern, hang: true });
  }

  release(): void {
    this.rules = [];
    for (const resolve of this.held.splice(0)) resolve();
  }
}

/** Adds evil.test to the fixture's federation with @eve joined to the room, everyone converged. */
export async function addLyingServer(f: LightRoomFixture): Promise<LyingServer> {
  const hs = createHomeserver({ serverName: 'evil.test', dataDir: ':memory:', rateLimit: false, initialBackoffMs: 20, maxBackoffMs: 500 });
  const liar = new LyingServer(hs); // before start: Koa composes its middleware when it starts listening
  await hs.start({ port: 0 });
  for (const other of f.fed.servers) {
    other.hostMap.set('evil.test', hs.url());
    hs.hostMap.set(other.serverName, other.url());
  }
  f.light.hostMap.set('evil.test', hs.url());
  hs.hostMap.set(f.light.serverName, f.light.url());
  f.fed.servers.push(hs); // stopped with the federation
  await joinRemoteRoom(hs, f.roomId, '@eve:evil.test', ['a.test']);
  await eventually(() => f.a.rooms.membershipOf(f.roomId, '@eve:evil.test') === 'join', 'eve joined');
  await waitConverged([f.a, f.b, f.c, hs], f.roomId);
  return liar;
}

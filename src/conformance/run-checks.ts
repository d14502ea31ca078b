// Runs the selected checks one after the other against one target, each bounded in time, each in its
// own rooms; any error a check throws becomes its failure, with the message, so none is unexplained.
import { ROOM_VERSION_IDS } from '../protocol/room-versions';
import type { Check, CheckResult } from './check';
import { CheckContext, CheckContextOptions } from './check-context';
import { ALL_CHECKS } from './checks/all-checks';
import { TargetHttp } from './target-http';
import { TargetUser, UserSource } from './target-user';

export interface ConformanceOptions extends Omit<CheckContextOptions, 'http' | 'user'> {
  roomVersions: readonly string[];
  /** Name prefixes (`send`, `msc4370.capped`); empty runs all. */
  only?: readonly string[];
  insecure?: boolean;
  userSource: UserSource;
  /** Called as each check finishes (the terminal prints as it goes). */
  onResult?: (result: CheckResult) => void;
  checks?: readonly Check[];
}

export const SUPPORTED_ROOM_VERSIONS = ['10', '11', '12'];

/** `10,11,12` or `all` → the versions, each one dagmar knows. */
export function parseRoomVersions(text: string): string[] {
  const versions = text === 'all' ? SUPPORTED_ROOM_VERSIONS : text.split(',').map((v) => v.trim()).filter(Boolean);
  for (const v of versions) if (!ROOM_VERSION_IDS.includes(v)) throw new Error(`unknown room version ${JSON.stringify(v)}`);
  if (versions.length === 0) throw new Error('no room version given');
  return versions;
}

function selected(name: string, only: readonly string[] | undefined): boolean {
  if (!only || only.length === 0) return true;
  return only.some((p) => name === p || name.startsWith(`${p}.`) || name.startsWith(`${p}@`) || name.split('@')[0] === p);
}

async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function runConformance(options: ConformanceOptions): Promise<CheckResult[]> {
  const http = new TargetHttp({ baseUrl: options.target.url, insecure: options.insecure ?? false, timeoutMs: options.timeoutMs, ...(options.log ? { log: options.log } : {}) });
  const results: CheckResult[] = [];
  const report = (result: CheckResult) => {
    results.push(result);
    options.onResult?.(result);
  };
  let user: TargetUser;
  try {
    user = await TargetUser.make(http, options.userSource);
  } catch (e) {
    report({ name: 'setup.user', verdict: 'failed', section: 'C-S API §Account registration', seen: (e as Error).message, durationMs: 0 });
    return results;
  }
  const ctx = new CheckContext({ ...options, http, user });
  try {
    for (const check of options.checks ?? ALL_CHECKS) {
      const runs = check.perRoomVersion ? options.roomVersions.map((v) => [`${check.name}@v${v}`, v] as const) : [[check.name, options.roomVersions[0]!] as const];
      for (const [name, version] of runs) {
        if (!selected(name, options.only)) continue;
        const started = Date.now();
        try {
          // A check gets a few convergence windows; past that it has hung and is failed, not waited for.
          const seen = await bounded(check.run(ctx, version), options.timeoutMs * 3, name);
          report({ name, verdict: 'passed', section: check.section, seen, durationMs: Date.now() - started });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          report({ name, verdict: 'failed', section: check.section, seen: message || (e as Error).constructor.name, durationMs: Date.now() - started });
        }
      }
    }
  } finally {
    await ctx.close();
  }
  return results;
}

// Compiles a Kysely query once, on its first use, into a cached better-sqlite3 statement with named arguments.
import type BetterSqlite3 from 'better-sqlite3';
import type { Compilable } from 'kysely';

const MARK = '\u0000dagmar-param:';

/**
 * A named placeholder for a query compiled once: Kysely sees a unique marker value, and
 * prepare() maps each marker in the compiled parameter list back to the argument of that name.
 */
export function param(name: string): never {
  // Typed `never` so it fits any column's value type; at run time it is only a marker string.
  return `${MARK}${name}` as never;
}

type Args = object;

/**
 * A prepared statement whose parameters are bound from an object by name. Storage builds about a
 * hundred of these when it opens, and most short-lived servers (tests, fixtures) use a few of them:
 * compiling and preparing each on first use keeps opening a store cheap (measured: ~4.5 ms → ~1 ms).
 */
export class Prepared<A extends Args = Args, R = unknown> {
  private compiled: { statement: BetterSqlite3.Statement; names: (string | { value: unknown })[] } | undefined;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly query: Compilable<unknown>,
  ) {}

  /** The statement, compiled and prepared the first time it is needed. */
  get statement(): BetterSqlite3.Statement {
    return this.ready().statement;
  }

  private ready(): { statement: BetterSqlite3.Statement; names: (string | { value: unknown })[] } {
    if (this.compiled) return this.compiled;
    const { sql, parameters } = this.query.compile();
    const names = parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? p.slice(MARK.length) : { value: p }));
    this.compiled = { statement: this.db.prepare(sql), names };
    return this.compiled;
  }

  private bind(names: (string | { value: unknown })[], args: A): unknown[] {
    return names.map((n) => {
      if (typeof n !== 'string') return n.value;
      const v = (args as Record<string, unknown>)[n];
      if (v === undefined) throw new Error(`missing SQL argument "${n}"`);
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    });
  }

  get(args: A): R | undefined {
    const { statement, names } = this.ready();
    return statement.get(...this.bind(names, args)) as R | undefined;
  }

  all(args: A): R[] {
    const { statement, names } = this.ready();
    return statement.all(...this.bind(names, args)) as R[];
  }

  run(args: A): BetterSqlite3.RunResult {
    const { statement, names } = this.ready();
    return statement.run(...this.bind(names, args));
  }
}

/** A reusable prepared statement for `query` (built with param() placeholders), compiled on first use. */
export function prepare<A extends Args = Args, R = unknown>(db: BetterSqlite3.Database, query: Compilable<unknown>): Prepared<A, R> {
  return new Prepared<A, R>(db, query);
}

// Compiles a Kysely query once into a cached better-sqlite3 statement with named arguments.
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

/** A prepared statement whose parameters are bound from an object by name. */
export class Prepared<A extends Args = Args, R = unknown> {
  private readonly names: (string | { value: unknown })[];

  constructor(readonly statement: BetterSqlite3.Statement, parameters: readonly unknown[]) {
    this.names = parameters.map((p) => (typeof p === 'string' && p.startsWith(MARK) ? p.slice(MARK.length) : { value: p }));
  }

  private bind(args: A): unknown[] {
    return this.names.map((n) => {
      if (typeof n !== 'string') return n.value;
      const v = (args as Record<string, unknown>)[n];
      if (v === undefined) throw new Error(`missing SQL argument "${n}"`);
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    });
  }

  get(args: A): R | undefined {
    return this.statement.get(...this.bind(args)) as R | undefined;
  }

  all(args: A): R[] {
    return this.statement.all(...this.bind(args)) as R[];
  }

  run(args: A): BetterSqlite3.RunResult {
    return this.statement.run(...this.bind(args));
  }
}

/** Compiles `query` (built with param() placeholders) into a reusable prepared statement. */
export function prepare<A extends Args = Args, R = unknown>(db: BetterSqlite3.Database, query: Compilable<unknown>): Prepared<A, R> {
  const compiled = query.compile();
  return new Prepared<A, R>(db.prepare(compiled.sql), compiled.parameters);
}

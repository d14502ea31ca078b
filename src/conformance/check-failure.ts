// The failure a check throws, and the small comparisons checks share (kept apart from check.ts so that
// the context can use them without an import circle).
export class CheckFailure extends Error {}

/** Throws CheckFailure with `message` unless `condition` holds. */
export function require_(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** Order-free comparison of two ID lists, as extremities are a set. */
export function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && new Set(a).size === new Set([...a, ...b]).size;
}

/** Short event IDs for reports ($abcdef…). */
export function short(ids: readonly string[]): string {
  return `[${ids.map((id) => (id.length > 12 ? `${id.slice(0, 9)}…` : id)).join(', ')}]`;
}

// A bounded cache for what storage parses again and again on the ingest path (events, state
// snapshots, current states). Two generations instead of a strict LRU: a hit in the older one is
// promoted, and once the newer one holds `capacity` worth of weight the older is dropped whole — every
// operation is a Map lookup or two, and memory stays under about twice the capacity.
export class ReadCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();
  private youngWeight = 0;

  /** `weigh` measures an entry (a state map by its size, say); default 1 each. */
  constructor(
    private readonly capacity: number,
    private readonly weigh: (value: V) => number = () => 1,
  ) {}

  get(key: K): V | undefined {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.set(key, aged);
    }
    return aged;
  }

  set(key: K, value: V): void {
    const weight = this.weigh(value);
    if (weight > this.capacity) return; // larger than the whole cache: not worth keeping
    if (this.youngWeight + weight > this.capacity) {
      this.old = this.young;
      this.young = new Map();
      this.youngWeight = 0;
    }
    this.young.set(key, value);
    this.youngWeight += weight;
  }

  /** Forgets everything (the store under it was emptied). */
  clear(): void {
    this.young = new Map();
    this.old = new Map();
    this.youngWeight = 0;
  }

  /** Forgets an entry a write may have changed. */
  delete(key: K): void {
    // The weight of a deleted young entry stays counted until the next flip: harmless, and cheaper.
    this.young.delete(key);
    this.old.delete(key);
  }
}

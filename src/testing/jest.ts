// `import 'dagmar/testing/jest'`: registers dagmar's DAG matchers with jest's global `expect` and
// declares them on jest.Matchers (merging with @types/jest), so `expect(hs).toHaveForwardExtremities(...)` type-checks.
import { dagmarMatchers, DagmarMatchers } from './jest-matchers';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
    interface Matchers<R, T = {}> extends DagmarMatchers<R> {}
  }
}

/** jest's global, reached without importing jest: dagmar does not depend on it, the suite that imports this module does. */
const jestExpect = (globalThis as { expect?: { extend(matchers: Record<string, unknown>): void } }).expect;
if (!jestExpect) throw new Error("dagmar/testing/jest: no global expect; import it from a jest test file (or call expect.extend(dagmarMatchers) yourself)");
jestExpect.extend(dagmarMatchers);

export { dagmarMatchers };

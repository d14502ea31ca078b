// `import 'dagmar/testing/jest'`: registers dagmar's DAG matchers with jest's global `expect` and
// declares them on jest.Matchers, so `expect(hs).toHaveForwardExtremities(...)` type-checks.
/// <reference types="jest" />
import { dagmarMatchers, DagmarMatchers } from './jest-matchers';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Matchers<R> extends DagmarMatchers<R> {}
  }
}

expect.extend(dagmarMatchers);

export { dagmarMatchers };

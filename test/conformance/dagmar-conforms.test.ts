// The conformance checks run against dagmar itself: every one of them passes, in every room version it
// checks; this is how the checks are part of dagmar's own suite rather than a second copy of them.
import { ALL_CHECKS } from '../../src/conformance';
import { runAgainstDagmar } from './support/run-against-dagmar';

test('every conformance check passes against dagmar (room versions 10, 11, 12)', async () => {
  const { results, failed } = await runAgainstDagmar({ roomVersions: ['10', '11', '12'] });
  expect(results.filter((r) => r.verdict === 'failed').map((r) => `${r.name}: ${r.seen}`)).toEqual([]);
  expect(failed).toEqual([]);
  // Every check ran: the once-only ones once, the per-version ones three times.
  const expected = ALL_CHECKS.reduce((n, c) => n + (c.perRoomVersion ? 3 : 1), 0);
  expect(results).toHaveLength(expected);
}, 60_000);

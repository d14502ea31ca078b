// eventually (dagmar/testing): returns once background work makes the condition true, and fails naming what it waited for.
import { eventually } from '../../src/testing';

test('returns once a condition that background work sets holds, having polled it more than once', async () => {
  let done = false;
  let checks = 0;
  setTimeout(() => (done = true), 30);
  await eventually(() => {
    checks++;
    return done;
  }, 'the timer');
  expect(done).toBe(true);
  expect(checks).toBeGreaterThan(1);
});

test('throws, naming what it waited for, when the condition never holds', async () => {
  await expect(eventually(() => false, 'a condition that never holds', 50)).rejects.toThrow('timed out after 50 ms waiting for a condition that never holds');
});

// The anti-entropy and growth-control settings in all three spellings (config file key, DAGMAR_* variable,
// flag), fractions of a second allowed for the interval, 0 = off, and out-of-range values refused.
import { DEFAULT_CONFIG, loadConfig } from '../../src/config';

test('defaults: anti-entropy every 60 s, at most 10 forward extremities', () => {
  expect(DEFAULT_CONFIG.antiEntropyIntervalSeconds).toBe(60);
  expect(DEFAULT_CONFIG.maxForwardExtremities).toBe(10);
});

test('environment and flags set them; the flag wins', () => {
  const env = { DAGMAR_ANTI_ENTROPY_INTERVAL_SECONDS: '0.25', DAGMAR_MAX_FORWARD_EXTREMITIES: '15' };
  expect(loadConfig({ env })).toMatchObject({ antiEntropyIntervalSeconds: 0.25, maxForwardExtremities: 15 });
  expect(loadConfig({ env, flags: { 'anti-entropy-interval': '0' } }).antiEntropyIntervalSeconds).toBe(0);
});

test.each(['-1', 'soon', '', '86401'])('an interval of %j is refused', (raw) => {
  expect(() => loadConfig({ flags: { 'anti-entropy-interval': raw } })).toThrow(/antiEntropyIntervalSeconds/);
});

test('a limit below 1 or not an integer is refused', () => {
  expect(() => loadConfig({ flags: { 'max-forward-extremities': '0' } })).toThrow(/maxForwardExtremities/);
  expect(() => loadConfig({ flags: { 'max-forward-extremities': '2.5' } })).toThrow(/maxForwardExtremities/);
});

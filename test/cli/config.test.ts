// Configuration: defaults < JSON file < DAGMAR_* environment < flags, and clear errors for bad values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromValues } from '../../src/cli/config-options';
import { DEFAULT_CONFIG, loadConfig } from '../../src/config';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'dagmar-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('with nothing given, the defaults: localhost:8008, ./dagmar-data, loopback, registration off', () => {
  expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
  expect(DEFAULT_CONFIG).toMatchObject({ serverName: 'localhost:8008', dataDir: './dagmar-data', listen: '127.0.0.1:8008', enableRegistration: false, adminToken: undefined });
});

test('file < environment < flags, setting by setting', () => {
  const file = join(dir, 'dagmar.json');
  writeFileSync(file, JSON.stringify({ serverName: 'file.test', listen: '127.0.0.1:9000', maxPrevEvents: 5, enableRegistration: true }));
  const config = loadConfig({ file, env: { DAGMAR_SERVER_NAME: 'env.test', DAGMAR_MAX_PREV_EVENTS: '7' }, flags: { 'server-name': 'flag.test' } });
  expect(config).toMatchObject({ serverName: 'flag.test', maxPrevEvents: 7, listen: '127.0.0.1:9000', enableRegistration: true });
});

test('the host map comes from a JSON file and must map names to http(s) URLs', () => {
  const hosts = join(dir, 'hosts.json');
  writeFileSync(hosts, JSON.stringify({ 'b.test': 'http://127.0.0.1:8102' }));
  expect(loadConfig({ env: { DAGMAR_HOST_MAP: hosts } }).hostMap).toEqual({ 'b.test': 'http://127.0.0.1:8102' });
  writeFileSync(hosts, JSON.stringify({ 'b.test': 'ftp://x' }));
  expect(() => loadConfig({ flags: { 'host-map': hosts } })).toThrow(/b\.test must map to an http\(s\) URL/);
});

test.each([
  [{ flags: { 'max-prev-events': '21' } }, /maxPrevEvents .* from 1 to 20/],
  [{ flags: { 'server-name': 'bad name' } }, /not a valid server name/],
  [{ flags: { listen: '8008' } }, /must be HOST:PORT/],
  [{ env: { DAGMAR_ENABLE_REGISTRATION: 'maybe' } }, /DAGMAR_ENABLE_REGISTRATION.* true or false/],
  [{ env: { DAGMAR_LOG_LEVEL: 'loud' } }, /not a log level/],
  [{ flags: { 'tls-cert': '/x.pem' } }, /tlsCert and tlsKey go together/],
  [{ flags: { 'rate-limit': 'sometimes' } }, /federationRateLimit .* on or off/],
  [{ env: { DAGMAR_RATE_LIMIT_CONCURRENT: '0' } }, /rateLimitConcurrent .* from 1 to/],
  [{ env: { DAGMAR_RATE_LIMIT_SLEEP_DELAY_MS: 'soon' } }, /rateLimitSleepDelayMs .* integer/],
  [{ flags: { 'metrics-listen': '9100' } }, /metricsListen .* must be HOST:PORT/],
  [{ env: { DAGMAR_ALLOW_PRIVATE_ADDRESSES: 'perhaps' } }, /DAGMAR_ALLOW_PRIVATE_ADDRESSES.* true or false/],
])('a bad value is refused with a message naming it: %j', (sources, message) => {
  expect(() => loadConfig({ env: {}, ...sources })).toThrow(message);
});

test('an unknown setting in a file is an error that names it', () => {
  const file = join(dir, 'dagmar.json');
  writeFileSync(file, JSON.stringify({ serverNmae: 'typo.test' }));
  expect(() => loadConfig({ file })).toThrow(/unknown setting serverNmae/);
});

test('private addresses, the metrics listener and every rate-limit figure have all three spellings; off by default', () => {
  expect(DEFAULT_CONFIG).toMatchObject({ allowPrivateAddresses: false, metricsListen: undefined, federationRateLimit: true });
  expect(DEFAULT_CONFIG).toMatchObject({ rateLimitWindowMs: 1000, rateLimitSleepLimit: 100, rateLimitSleepDelayMs: 500, rateLimitRejectLimit: 50, rateLimitConcurrent: 8 });
  const file = join(dir, 'dagmar.json');
  writeFileSync(file, JSON.stringify({ allowPrivateAddresses: true, metricsListen: '127.0.0.1:9100', rateLimitWindowMs: 2000, rateLimitSleepLimit: 5 }));
  const config = loadConfig({
    file,
    env: { DAGMAR_RATE_LIMIT_SLEEP_LIMIT: '6', DAGMAR_RATE_LIMIT_REJECT_LIMIT: '9', DAGMAR_RATE_LIMIT_CONCURRENT: '2' },
    flags: { 'rate-limit-sleep-delay-ms': '250', 'metrics-listen': '[::1]:9200' },
  });
  expect(config).toMatchObject({ allowPrivateAddresses: true, metricsListen: '[::1]:9200', rateLimitWindowMs: 2000, rateLimitSleepLimit: 6, rateLimitSleepDelayMs: 250, rateLimitRejectLimit: 9, rateLimitConcurrent: 2 });
  // As the CLI parses them: a boolean flag, and --rate-limit off.
  expect(configFromValues({ 'allow-private-addresses': true, 'rate-limit': 'off' }, {})).toMatchObject({ allowPrivateAddresses: true, federationRateLimit: false });
  expect(configFromValues({}, { DAGMAR_RATE_LIMIT: 'off' }).federationRateLimit).toBe(false);
});


// Configuration: defaults < JSON file < DAGMAR_* environment < flags, and clear errors for bad values.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
])('a bad value is refused with a message naming it: %j', (sources, message) => {
  expect(() => loadConfig({ env: {}, ...sources })).toThrow(message);
});

test('an unknown setting in a file is an error that names it', () => {
  const file = join(dir, 'dagmar.json');
  writeFileSync(file, JSON.stringify({ serverNmae: 'typo.test' }));
  expect(() => loadConfig({ file })).toThrow(/unknown setting serverNmae/);
});

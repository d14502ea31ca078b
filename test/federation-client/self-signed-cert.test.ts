// The self-signed certificate for local HTTPS: made once with openssl, reused, replaced when it no longer
// fits, loadable by https.createServer and trusted by a client given it as its CA.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureSelfSignedCertificate, OpensslMissingError, subjectAltNames } from '../../src/federation/server/self-signed-cert';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dagmar-cert-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

test('subject alt names: the host without its port, localhost and both loopback addresses, each once', () => {
  expect(subjectAltNames('Example.org:8448')).toEqual(['DNS:example.org', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  expect(subjectAltNames('localhost:8008')).toEqual(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  expect(subjectAltNames('[::1]:8448')).toEqual(['IP:::1', 'DNS:localhost', 'IP:127.0.0.1']);
  expect(subjectAltNames('10.1.2.3')).toEqual(['IP:10.1.2.3', 'DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  expect(() => subjectAltNames('not a name')).toThrow(TypeError);
});

describe('ensureSelfSignedCertificate', () => {
  test('created once: the certificate names the host and loopback, its key is private, and a second call reuses both', async () => {
    const dir = tempDir();
    const first = await ensureSelfSignedCertificate(dir, 'hs1.test:8448');
    const cert = new X509Certificate(readFileSync(first.certPath));
    expect(cert.checkHost('hs1.test')).toBe('hs1.test');
    expect(cert.checkHost('localhost')).toBe('localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkIP('::1')).toBe('::1');
    expect(cert.checkHost('other.test')).toBeUndefined();
    expect(cert.ca).toBe(false);
    expect(statSync(first.keyPath).mode & 0o777).toBe(0o600);

    const pem = readFileSync(first.certPath, 'utf8');
    const second = await ensureSelfSignedCertificate(dir, 'hs1.test:8448');
    expect(second).toEqual(first);
    expect(readFileSync(second.certPath, 'utf8')).toBe(pem);
    // Nothing left behind from staging.
    expect(readdirSync(dir)).toEqual(['tls-hs1.test_8448']);
  });

  test('loadable by https.createServer, and trusted by a client that takes it as its CA', async () => {
    const { certPath, keyPath } = await ensureSelfSignedCertificate(tempDir(), 'localhost');
    const cert = readFileSync(certPath);
    const server = createServer({ cert, key: readFileSync(keyPath) }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const fetchOnce = (options: { ca?: Buffer }) =>
        new Promise<string>((resolve, reject) => {
          get({ host: '127.0.0.1', port, path: '/', servername: 'localhost', agent: false, ...options }, (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve(text));
          }).on('error', reject);
        });
      expect(await fetchOnce({ ca: cert })).toBe('ok');
      await expect(fetchOnce({})).rejects.toThrow(/self[- ]signed/i);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  test('each server name gets its own certificate in the same folder', async () => {
    const dir = tempDir();
    const a = await ensureSelfSignedCertificate(dir, 'a.test');
    const b = await ensureSelfSignedCertificate(dir, 'b.test');
    expect(a.certPath).not.toBe(b.certPath);
    expect(new X509Certificate(readFileSync(b.certPath)).checkHost('b.test')).toBe('b.test');
    expect(new X509Certificate(readFileSync(b.certPath)).checkHost('a.test')).toBeUndefined();
  });

  test('replaced when it no longer fits: a damaged key, or a certificate about to expire', async () => {
    const dir = tempDir();
    const first = await ensureSelfSignedCertificate(dir, 'hs2.test');
    const firstPem = readFileSync(first.certPath, 'utf8');
    writeFileSync(first.keyPath, 'not a key');
    const second = await ensureSelfSignedCertificate(dir, 'hs2.test');
    const secondPem = readFileSync(second.certPath, 'utf8');
    expect(secondPem).not.toBe(firstPem);
    expect(new X509Certificate(secondPem).checkPrivateKey(createPrivateKey(readFileSync(second.keyPath)))).toBe(true);

    // 900 days on, the default 825-day certificate has expired.
    const later = Date.now() + 900 * 24 * 60 * 60 * 1000;
    const third = await ensureSelfSignedCertificate(dir, 'hs2.test', { now: () => later, validDays: 2000 });
    expect(readFileSync(third.certPath, 'utf8')).not.toBe(secondPem);
    // And the fresh one fits at that time, so it is kept.
    const thirdPem = readFileSync(third.certPath, 'utf8');
    await ensureSelfSignedCertificate(dir, 'hs2.test', { now: () => later });
    expect(readFileSync(third.certPath, 'utf8')).toBe(thirdPem);
  });

  test('concurrent callers end with one matching pair', async () => {
    const dir = tempDir();
    const results = await Promise.all([1, 2, 3].map(() => ensureSelfSignedCertificate(dir, 'busy.test')));
    const { certPath, keyPath } = results[0]!;
    expect(new X509Certificate(readFileSync(certPath)).checkPrivateKey(createPrivateKey(readFileSync(keyPath)))).toBe(true);
    expect(readdirSync(dir)).toEqual(['tls-busy.test']);
  });

  test('without openssl: a clear error that names --tls-cert and --tls-key, and nothing written', async () => {
    const dir = tempDir();
    const error = await ensureSelfSignedCertificate(dir, 'hs3.test', { openssl: join(dir, 'no-such-openssl') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpensslMissingError);
    expect((error as Error).message).toMatch(/--tls-cert.*--tls-key/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

// A self-signed certificate for local HTTPS, made once with the `openssl` command line and reused while
// it still fits: valid for a while yet, matching its key, naming the server's host.
import { execFile } from 'node:child_process';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseServerName } from '../../protocol/identifiers';

export interface SelfSignedCertificate {
  certPath: string;
  keyPath: string;
}

export interface SelfSignedCertificateOptions {
  /** The openssl binary. Default `openssl` (on PATH). */
  openssl?: string;
  /** Lifetime of a new certificate. Default 825 days. */
  validDays?: number;
  /** A certificate expiring sooner than this is replaced. Default one day. */
  renewBeforeMs?: number;
  now?: () => number;
}

export class OpensslMissingError extends Error {
  override readonly name = 'OpensslMissingError';
}

/** The host a server name puts in certificates: no port, no IPv6 brackets. */
function hostOf(serverName: string): string {
  const parsed = parseServerName(serverName);
  if (!parsed) throw new TypeError(`not a valid server name: ${JSON.stringify(serverName)}`);
  return parsed.kind === 'ipv6' ? parsed.host.slice(1, -1) : parsed.host;
}

/** subjectAltName entries: the server's host, localhost, 127.0.0.1 and ::1, each once. */
export function subjectAltNames(serverName: string): string[] {
  const names = [hostOf(serverName), 'localhost', '127.0.0.1', '::1'];
  return [...new Set(names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n.toLowerCase()}`)))];
}

/** Whether the pair on disk is usable: parses, key matches, names the host, not about to expire. */
async function stillFits(paths: SelfSignedCertificate, host: string, notAfterMs: number): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(paths.certPath));
    const key = createPrivateKey(await readFile(paths.keyPath));
    const namesHost = isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
    return cert.checkPrivateKey(key) && namesHost && Date.parse(cert.validTo) > notAfterMs;
  } catch {
    return false;
  }
}

function run(binary: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(new OpensslMissingError(`cannot make a self-signed certificate: ${binary} was not found; install openssl, or give a certificate and key with --tls-cert and --tls-key`));
      }
      reject(new Error(`${binary} failed to make a self-signed certificate: ${String(stderr).trim() || error.message}`, { cause: error }));
    });
  });
}

/**
 * Returns `{certPath, keyPath}` of a self-signed certificate for `serverName` under `dir`, making it on
 * first use (and again when the one there has expired, lost its key or names another host). It lives
 * in its own folder, `dir/tls-<server name>/`, built in a temporary folder and renamed into place in
 * one step, so that a crash or a concurrent caller never leaves a certificate beside someone else's key.
 */
export async function ensureSelfSignedCertificate(dir: string, serverName: string, options: SelfSignedCertificateOptions = {}): Promise<SelfSignedCertificate> {
  const host = hostOf(serverName);
  const now = options.now ?? Date.now;
  const target = join(dir, `tls-${serverName.replace(/[^A-Za-z0-9.-]/g, '_')}`);
  const paths = { certPath: join(target, 'cert.pem'), keyPath: join(target, 'key.pem') };
  const notAfterMs = now() + (options.renewBeforeMs ?? 24 * 60 * 60 * 1000);
  if (await stillFits(paths, host, notAfterMs)) return paths;

  await mkdir(dir, { recursive: true });
  const staging = await mkdtemp(join(dir, '.tls-staging-'));
  try {
    // The subject CN is at most 64 characters (RFC 5280 ub-common-name); clients read the SANs anyway.
    const commonName = host.length <= 64 ? host : 'dagmar';
    await run(options.openssl ?? 'openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', String(options.validDays ?? 825),
      '-subj', `/CN=${commonName}`,
      '-addext', `subjectAltName=${subjectAltNames(serverName).join(',')}`,
      '-addext', 'basicConstraints=critical,CA:FALSE',
      '-addext', 'extendedKeyUsage=serverAuth',
      '-keyout', join(staging, 'key.pem'), '-out', join(staging, 'cert.pem'),
    ]);
    await chmod(join(staging, 'key.pem'), 0o600);
    // Replace what did not fit; if another caller put a fitting pair there meanwhile, theirs stays.
    if (await stillFits(paths, host, notAfterMs)) return paths;
    await rm(target, { recursive: true, force: true });
    try {
      await rename(staging, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await stillFits(paths, host, notAfterMs))) return paths;
      throw error;
    }
    return paths;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

// Password hashing with scrypt (node:crypto), stored as a self-describing PHC-style string
// `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` so that parameters can be raised later without breaking old hashes.
import { randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

const DEFAULTS = { ln: 14, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Async: scrypt runs on libuv's thread pool instead of blocking the event loop.
    scrypt(password.normalize('NFKC'), salt, keyBytes, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function scryptOptions(ln: number, r: number, p: number): ScryptOptions {
  const N = 2 ** ln;
  // scrypt needs 128·N·r bytes; leave headroom above node's 32 MiB default.
  return { N, r, p, maxmem: 256 * N * r };
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { ln, r, p } = DEFAULTS;
  const key = await derive(password, salt, KEY_BYTES, scryptOptions(ln, r, p));
  return `$scrypt$ln=${ln},r=${r},p=${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const FORMAT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;

/** True when `password` matches `stored`; compares in constant time. A malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const m = FORMAT.exec(stored);
  if (!m) return false;
  const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (ln < 1 || ln > 20 || r < 1 || p < 1) return false;
  const expected = Buffer.from(m[5]!, 'base64url');
  if (expected.length < 16) return false;
  const actual = await derive(password, Buffer.from(m[4]!, 'base64url'), expected.length, scryptOptions(ln, r, p));
  return timingSafeEqual(actual, expected);
}

/** A hash of nothing in particular, so that a login for an unknown user costs as much as a real one. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

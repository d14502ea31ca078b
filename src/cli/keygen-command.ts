// `dagmar keygen`: writes a new Ed25519 signing key in Synapse's file format.
import { existsSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../crypto/ed25519';
import { formatSigningKeyFile, signingKeyFromSeed } from '../crypto/signing-key-file';
import { CliCommand } from './cli-command';

export const keygenCommand: CliCommand = {
  name: 'keygen',
  summary: 'write a new Ed25519 signing key (Synapse format) to a file or stdout',
  usage: 'dagmar keygen [--out FILE] [--version VERSION] [--force]',
  options: {
    out: { type: 'string', help: 'file to write (default: print to stdout)' },
    version: { type: 'string', help: 'key version, the part after "ed25519:" (default: a_ + 4 random characters)' },
    force: { type: 'boolean', help: 'overwrite an existing file' },
  },
  run(values) {
    const version = typeof values.version === 'string' ? values.version : `a_${randomBytes(3).toString('base64url').slice(0, 4).replace(/-/g, '_')}`;
    const key = signingKeyFromSeed(version, generateKeyPair().seed);
    const text = formatSigningKeyFile([key]);
    if (typeof values.out !== 'string') {
      process.stdout.write(text);
      return 0;
    }
    if (existsSync(values.out) && values.force !== true) {
      process.stderr.write(`dagmar keygen: ${values.out} exists; pass --force to overwrite\n`);
      return 1;
    }
    writeFileSync(values.out, text, { mode: 0o600 });
    process.stderr.write(`wrote ${key.keyId} (public key ${key.publicKey}) to ${values.out}\n`);
    return 0;
  },
};

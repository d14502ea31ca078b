// Ed25519 verification on a worker thread, so that a /send batch's signature checks overlap with the main thread's work on the PDUs before them.
//
// A verify is ~110–130 µs of pure CPU that needs nothing but the bytes, the signature and the key, so it is
// the one per-PDU step that can leave the main thread without moving any of its state: the main thread
// still builds the signed bytes (redacted canonical JSON), looks the keys up and judges their validity,
// and keeps every other check; the worker answers only "does this signature verify". The worker runs a
// few lines of plain JavaScript over node:crypto (given as source, so it loads the same way under ts-jest,
// ts-register and the built dist/), and is unref'd: it never keeps a process alive.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decodeBase64 } from '../protocol/base64';
import { verifyBytes } from './ed25519';

/** Verifies one signature: the same contract as verifyBytes (false, never a throw, for malformed input). */
export type AsyncVerify = (message: Uint8Array, signature: string, publicKey: string) => Promise<boolean>;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
function keyOf(publicKey, keyBytes) {
  let key = keys.get(publicKey);
  if (key === undefined) {
    if (keys.size >= 4096) keys.delete(keys.keys().next().value);
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, keyBytes]), format: 'der', type: 'spki' });
    keys.set(publicKey, key);
  }
  return key;
}
parentPort.on('message', ({ id, message, signature, publicKey, keyBytes }) => {
  let ok = false;
  try {
    ok = verify(null, message, keyOf(publicKey, keyBytes), signature);
  } catch {
    ok = false;
  }
  parentPort.postMessage({ id, ok });
});
`;

/**
 * One worker thread verifying signatures in the order they are asked for. A worker that fails (it
 * cannot start, or dies) is not replaced: every pending and later verify falls back to verifyBytes on
 * the calling thread, so the verdicts stay the same and only the overlap is lost.
 */
export class VerifyPool {
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 0;
  private readonly pending = new Map<number, { message: Uint8Array; signature: string; publicKey: string; resolve: (ok: boolean) => void }>();

  /** `verify` for the intake; bound so it can be handed around. */
  readonly verify: AsyncVerify = (message, signature, publicKey) => {
    const worker = this.started();
    if (!worker) return Promise.resolve(verifyBytes(message, signature, publicKey));
    // Decoded here with the same strict base64 as verifyBytes, so a malformed signature or key gets
    // the same "false" on either thread (Buffer's own base64 decoder skips characters it does not know).
    let sig: Uint8Array;
    let keyBytes: Uint8Array;
    try {
      sig = decodeBase64(signature);
      keyBytes = decodeBase64(publicKey);
    } catch {
      return Promise.resolve(false);
    }
    if (sig.length !== 64 || keyBytes.length !== 32) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, { message, signature, publicKey, resolve });
      if (this.pending.size === 1) worker.ref(); // only while answers are awaited
      // Copies with their own buffers: a small Buffer is a view on an 8 KiB pool, which postMessage would copy whole.
      worker.postMessage({ id, message: Uint8Array.prototype.slice.call(message), signature: sig, publicKey, keyBytes });
    });
  };

  private started(): Worker | undefined {
    if (this.broken) return undefined;
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
        const job = this.pending.get(id);
        if (!job) return;
        this.pending.delete(id);
        if (this.pending.size === 0) worker.unref();
        job.resolve(ok);
      });
      worker.on('error', () => this.fail());
      worker.on('exit', () => this.fail());
      this.worker = worker;
      return worker;
    } catch {
      this.broken = true;
      return undefined;
    }
  }

  /** The worker is gone: answer what it owed us here, and verify here from now on. */
  private fail(): void {
    this.broken = true;
    this.worker = undefined;
    const owed = [...this.pending.values()];
    this.pending.clear();
    for (const job of owed) job.resolve(verifyBytes(job.message, job.signature, job.publicKey));
  }

  /** Stops the worker (pending verifies are answered on this thread); later verifies run here too. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.fail();
    if (worker) await worker.terminate();
  }
}

let shared: VerifyPool | undefined;

/**
 * The process's verify pool, or undefined on a single-core machine, where a worker could only take
 * turns with the main thread. Shared by every server in the process (like ed25519.ts's key cache): it
 * holds no server's state, and one more thread per server would cost a thread start on each.
 */
export function sharedVerifyPool(): VerifyPool | undefined {
  if (availableParallelism() < 2) return undefined;
  shared ??= new VerifyPool();
  return shared;
}

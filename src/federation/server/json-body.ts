// Reads a request's JSON body under a byte limit: 413 M_TOO_LARGE past it, 400 M_NOT_JSON for text that
// is not JSON (or not UTF-8), 400 M_BAD_JSON for JSON that is not an object. Sets ctx.request.body and
// the number issues of its text (protocol/raw-json). Mounted per route, after whatever may refuse the
// request without its body (X-Matrix header checks), so that refused bodies are never read.
import type { Middleware } from 'koa';
import { MatrixError } from '../../protocol/errors';
import { isJsonObject, JsonObject } from '../../protocol/json';
import { NumberIssue, parseJsonRecordingNumbers } from '../../protocol/raw-json';

declare module 'koa' {
  interface Request {
    /** The parsed JSON body; undefined when the request had none. */
    body?: JsonObject;
    /** Numbers of the body's text that JSON.parse could not keep apart (`1.0`, `2^63`); [] without a body. */
    bodyNumberIssues?: readonly NumberIssue[];
  }
}

/** A PDU may not exceed 64 KiB (spec "Size limits"); we budget EDUs and the envelope the same way. */
const PDU_BYTES = 64 * 1024;
/** Room for a full transaction: 50 PDUs and 100 EDUs (spec "Transactions") plus 64 KiB of envelope. */
export const DEFAULT_BODY_LIMIT_BYTES = (50 + 100) * PDU_BYTES + PDU_BYTES;

function tooLarge(limit: number): MatrixError {
  return new MatrixError(413, 'M_TOO_LARGE', `Request body exceeds ${limit} bytes`);
}

/** Collects the body, failing as soon as it passes `limit` (and before reading when Content-Length says so). */
async function readBody(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parses JSON request bodies of any method; a zero-length body means "no body". */
export function jsonBody(options: { limitBytes?: number } = {}): Middleware {
  const limit = options.limitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  return async (ctx, next) => {
    const declared = ctx.get('Content-Length');
    if (declared !== '' && Number(declared) > limit) {
      // Refuse without reading, and do not keep the socket: the client is still sending.
      ctx.set('Connection', 'close');
      throw tooLarge(limit);
    }
    let bytes: Buffer;
    try {
      bytes = await readBody(ctx.req, limit);
    } catch (e) {
      if (e instanceof MatrixError) ctx.set('Connection', 'close');
      throw e;
    }
    if (bytes.length > 0) {
      let parsed: ReturnType<typeof parseJsonRecordingNumbers>;
      try {
        parsed = parseJsonRecordingNumbers(decoder.decode(bytes));
      } catch {
        throw new MatrixError(400, 'M_NOT_JSON', 'Request body is not valid JSON');
      }
      if (!isJsonObject(parsed.value)) throw new MatrixError(400, 'M_BAD_JSON', 'Request body must be a JSON object');
      ctx.request.body = parsed.value;
      ctx.request.bodyNumberIssues = parsed.issues;
    }
    await next();
  };
}

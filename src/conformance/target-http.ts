// Plain HTTP(S) JSON requests to the target (client API, key server, hand-made federation requests with a
// forged or missing X-Matrix header); 429 answers are retried after their `retry_after_ms`.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface TargetHttpOptions {
  baseUrl: string;
  /** Accept a self-signed certificate. */
  insecure: boolean;
  timeoutMs: number;
  /** Verbose log of every request and answer (`-v`). */
  log?: (line: string) => void;
}

export interface RawRequestOptions {
  headers?: Record<string, string>;
  body?: unknown;
}

/** The spec's rate-limit answer: 429 M_LIMIT_EXCEEDED with retry_after_ms (Client-Server API §Rate limiting). */
export function retryDelayOf(answer: HttpAnswer, attempt: number): number | undefined {
  if (answer.status !== 429) return undefined;
  const asked = answer.body.retry_after_ms;
  return Math.min(typeof asked === 'number' && asked >= 0 ? asked : 250 * 2 ** attempt, 10_000);
}

/** Retries `call` while it answers 429, at most 5 times, within the deadline. */
export async function withRateLimitRetry<T extends HttpAnswer>(call: () => Promise<T>, deadline: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const answer = await call();
    const delay = retryDelayOf(answer, attempt);
    if (delay === undefined || attempt >= 5 || Date.now() + delay > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

export class TargetHttp {
  constructor(private readonly options: TargetHttpOptions) {}

  /** One request, retried on 429; never throws for an HTTP status (only for a transport failure). */
  request(method: string, path: string, options: RawRequestOptions = {}): Promise<HttpAnswer> {
    return withRateLimitRetry(() => this.once(method, path, options), Date.now() + this.options.timeoutMs);
  }

  private once(method: string, path: string, options: RawRequestOptions): Promise<HttpAnswer> {
    const url = new URL(path, this.options.baseUrl);
    const text = options.body === undefined ? undefined : JSON.stringify(options.body);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    this.options.log?.(`→ ${method} ${url.pathname}${url.search}${text ? ` ${truncate(text)}` : ''}`);
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method, timeout: this.options.timeoutMs, agent: false, ...(url.protocol === 'https:' ? { rejectUnauthorized: !this.options.insecure } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const raw = Buffer.concat(chunks).toString('utf8');
            let body: Record<string, unknown>;
            try {
              const parsed: unknown = raw ? JSON.parse(raw) : {};
              body = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { unparsed: raw };
            } catch {
              body = { unparsed: raw };
            }
            const status = res.statusCode ?? 0;
            this.options.log?.(`← ${status} ${method} ${url.pathname} ${truncate(raw)}`);
            resolve({ status, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname}: no answer within ${this.options.timeoutMs} ms`)));
      req.on('error', reject);
      for (const [name, value] of Object.entries(options.headers ?? {})) req.setHeader(name, value);
      if (text !== undefined) req.setHeader('Content-Type', 'application/json');
      req.end(text);
    });
  }
}

/** Shortens a logged body and hides credentials in it (the -v log is often pasted into bug reports). */
export function truncate(text: string, max = 300): string {
  const hidden = text.replace(/"(access_token|password|mac|nonce)":"[^"]*"/g, '"$1":"<hidden>"');
  return hidden.length > max ? `${hidden.slice(0, max)}…` : hidden;
}

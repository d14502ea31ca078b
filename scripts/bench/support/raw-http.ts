// One HTTP request with headers given verbatim over a keep-alive agent: benchmarks pre-sign their requests.
import http from 'node:http';

export interface RawAnswer {
  status: number;
  body: string;
}

/** One HTTP request over a keep-alive agent with headers given verbatim (no per-request signing cost). */
export function rawRequest(agent: http.Agent, baseUrl: string, method: string, path: string, headers: Record<string, string>, payload?: Buffer): Promise<RawAnswer> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({ agent, method, host: base.hostname, port: base.port, path, headers: payload ? { ...headers, 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

// Serves a Koa app over HTTP (loopback by default) or HTTPS (PEM certificate and key), on a given or
// ephemeral port, and reports the port actually bound.
import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer, Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';

export interface ListenOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: the system picks a free port. */
  port?: number;
  /** PEM text (or buffers) of the certificate chain and private key; HTTPS when given. */
  tls?: { cert: string | Buffer; key: string | Buffer };
}

export interface RunningServer {
  readonly server: Server | HttpsServer;
  readonly host: string;
  readonly port: number;
  /** e.g. `http://127.0.0.1:38123`; IPv6 hosts get brackets. */
  readonly url: string;
  close(): Promise<void>;
}

export async function listen(app: Koa, options: ListenOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const callback = app.callback();
  let closing = false;
  // A connection busy when close() starts would otherwise stay open, idle, for the whole keep-alive
  // timeout (5 s) after its response: close it as soon as that response is out.
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    res.on('finish', () => {
      if (closing) setImmediate(() => server.closeIdleConnections());
    });
    if (closing) res.shouldKeepAlive = false;
    return callback(req, res);
  };
  const server: Server | HttpsServer = options.tls ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler) : createHttpServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    server,
    host,
    port,
    url: `${options.tls ? 'https' : 'http'}://${urlHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        closing = true;
        server.close((e) => (e ? reject(e) : resolve()));
        // Idle keep-alive sockets would otherwise hold close() open.
        server.closeIdleConnections();
      }),
  };
}

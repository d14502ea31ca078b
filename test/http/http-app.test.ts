// The shared HTTP shell: routers in slots, the spec's JSON errors, and an error log line that names the API.
import { Router } from '@koa/router';
import { createHttpApp } from '../../src/http/http-app';
import { MatrixError } from '../../src/protocol/errors';

async function withApp(routers: Router[], run: (base: string, logged: Array<{ details: Record<string, unknown>; message: string }>) => Promise<void>) {
  const logged: Array<{ details: Record<string, unknown>; message: string }> = [];
  const http = createHttpApp({ error: (details, message) => logged.push({ details, message }) });
  for (const router of routers) http.addRouter(router, []);
  const running = await http.listen({ host: '127.0.0.1', port: 0 });
  try {
    await run(running.url, logged);
  } finally {
    await running.close();
  }
}

describe('createHttpApp', () => {
  const router = new Router();
  router.get('/_matrix/client/v3/boom', () => {
    throw new Error('secret detail');
  });
  router.get('/_dagmar/admin/v1/forbidden', () => {
    throw new MatrixError(403, 'M_FORBIDDEN', 'no');
  });

  test('an unexpected error is a 500 M_UNKNOWN without its text, logged with the API it happened in', async () => {
    await withApp([router], async (base, logged) => {
      const res = await fetch(`${base}/_matrix/client/v3/boom`);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({ errcode: 'M_UNKNOWN', error: 'Internal server error' });
      expect(logged).toHaveLength(1);
      expect(logged[0]!.message).toBe('unhandled error in client request');
      expect(logged[0]!.details.api).toBe('client');
    });
  });

  test('a MatrixError keeps its status and errcode and is not logged as unhandled', async () => {
    await withApp([router], async (base, logged) => {
      const res = await fetch(`${base}/_dagmar/admin/v1/forbidden`);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ errcode: 'M_FORBIDDEN' });
      expect(logged).toHaveLength(0);
    });
  });

  test('no route: 404 M_UNRECOGNIZED; a known path with another method: 405 with Allow', async () => {
    await withApp([router], async (base) => {
      const missing = await fetch(`${base}/_matrix/client/v3/nothing`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ errcode: 'M_UNRECOGNIZED' });
      const wrongMethod = await fetch(`${base}/_matrix/client/v3/boom`, { method: 'POST' });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toContain('GET');
    });
  });
});

// A minimal Matrix client for tests: JSON over real HTTP (fetch) with an access token, plus the
// register-with-m.login.dummy dance.
import type { Homeserver } from '../../../src/homeserver';

export interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers field by field
  body: any;
}

export class MatrixClient {
  token: string | undefined;
  userId: string | undefined;

  constructor(readonly baseUrl: string) {}

  static of(hs: Homeserver): MatrixClient {
    return new MatrixClient(hs.url());
  }

  async request(method: string, path: string, body?: unknown, token = this.token): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  /** Like request, but throws unless the answer is 200. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see Reply.body
  async ok(method: string, path: string, body?: unknown): Promise<any> {
    const reply = await this.request(method, path, body);
    if (reply.status !== 200) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  /** Registers through the UIA flow (first the 401 with a session, then m.login.dummy) and keeps the token. */
  async register(username: string, password = 'correct horse'): Promise<this> {
    const first = await this.request('POST', '/_matrix/client/v3/register', { username, password });
    if (first.status !== 401) throw new Error(`register without auth → ${first.status} ${JSON.stringify(first.body)}`);
    const done = await this.ok('POST', '/_matrix/client/v3/register', { username, password, auth: { type: 'm.login.dummy', session: first.body.session } });
    this.token = done.access_token;
    this.userId = done.user_id;
    return this;
  }

  createRoom(body: Record<string, unknown> = {}): Promise<string> {
    return this.ok('POST', '/_matrix/client/v3/createRoom', body).then((b) => b.room_id as string);
  }

  send(roomId: string, body: string, txnId = `t${Math.random().toString(36).slice(2)}`): Promise<string> {
    return this.ok('PUT', `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${txnId}`, { msgtype: 'm.text', body }).then((b) => b.event_id as string);
  }

  /** Every message body in the room, oldest first, read back with /messages. */
  async messageBodies(roomId: string): Promise<string[]> {
    const page = await this.ok('GET', `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=1000`);
    return (page.chunk as Array<{ type: string; content: { body?: string } }>).filter((e) => e.type === 'm.room.message').map((e) => String(e.content.body)).reverse();
  }
}

export function enc(part: string): string {
  return encodeURIComponent(part);
}

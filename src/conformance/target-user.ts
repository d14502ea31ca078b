// A user on the target, made and driven through the Client-Server API: the checks need rooms created,
// state changed and messages sent by the target's own side, as any real user would.
import { createHmac, randomBytes } from 'node:crypto';
import { MatrixError } from '../protocol/errors';
import type { HttpAnswer, TargetHttp } from './target-http';

export type UserSource = { kind: 'open' } | { kind: 'shared-secret'; secret: string } | { kind: 'token'; accessToken: string };

function fail(what: string, answer: HttpAnswer): never {
  throw new MatrixError(answer.status || 502, 'M_UNKNOWN', `${what}: ${answer.status} ${JSON.stringify(answer.body).slice(0, 200)}`);
}

export class TargetUser {
  private txn = 0;
  private constructor(private readonly http: TargetHttp, readonly userId: string, private readonly token: string) {}

  /**
   * Client-Server API §Account registration: open registration with `m.login.dummy`; or Synapse's
   * shared-secret admin registration (GET nonce, POST HMAC-SHA1 over nonce\0user\0password\0notadmin);
   * or a token the user gave (whoami tells us who it is).
   */
  static async make(http: TargetHttp, source: UserSource): Promise<TargetUser> {
    if (source.kind === 'token') {
      const who = await http.request('GET', '/_matrix/client/v3/account/whoami', { headers: { Authorization: `Bearer ${source.accessToken}` } });
      if (who.status !== 200 || typeof who.body.user_id !== 'string') fail('whoami with the given access token', who);
      return new TargetUser(http, who.body.user_id, source.accessToken);
    }
    const username = `conformance_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    let answer: HttpAnswer;
    if (source.kind === 'shared-secret') {
      const path = '/_synapse/admin/v1/register';
      const nonce = await http.request('GET', path);
      if (nonce.status !== 200 || typeof nonce.body.nonce !== 'string') fail('shared-secret registration nonce', nonce);
      const mac = createHmac('sha1', source.secret).update([nonce.body.nonce, username, password, 'notadmin'].join('\u0000')).digest('hex');
      answer = await http.request('POST', path, { body: { nonce: nonce.body.nonce, username, password, admin: false, mac } });
    } else {
      const body = { username, password, auth: { type: 'm.login.dummy' }, inhibit_login: false };
      answer = await http.request('POST', '/_matrix/client/v3/register', { body });
      // A server may want a UIA session first: the 401 names it, the retry carries it.
      if (answer.status === 401 && typeof answer.body.session === 'string') {
        answer = await http.request('POST', '/_matrix/client/v3/register', { body: { ...body, auth: { type: 'm.login.dummy', session: answer.body.session } } });
      }
    }
    if (answer.status !== 200 || typeof answer.body.access_token !== 'string' || typeof answer.body.user_id !== 'string') fail(`registering ${username}`, answer);
    return new TargetUser(http, answer.body.user_id, answer.body.access_token);
  }

  private call(method: string, path: string, body?: unknown): Promise<HttpAnswer> {
    return this.http.request(method, path, { headers: { Authorization: `Bearer ${this.token}` }, ...(body !== undefined ? { body } : {}) });
  }

  /** A public room of this version (anyone may join over federation). */
  async createRoom(roomVersion: string): Promise<string> {
    const answer = await this.call('POST', '/_matrix/client/v3/createRoom', { room_version: roomVersion, preset: 'public_chat' });
    if (answer.status !== 200 || typeof answer.body.room_id !== 'string') fail(`createRoom v${roomVersion}`, answer);
    return answer.body.room_id;
  }

  async getState(roomId: string, type: string, stateKey = ''): Promise<Record<string, unknown>> {
    const answer = await this.call('GET', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`);
    if (answer.status !== 200) fail(`reading ${type}`, answer);
    return answer.body;
  }

  async putState(roomId: string, type: string, content: Record<string, unknown>, stateKey = ''): Promise<string> {
    const answer = await this.call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${encodeURIComponent(type)}/${encodeURIComponent(stateKey)}`, content);
    if (answer.status !== 200 || typeof answer.body.event_id !== 'string') fail(`setting ${type}`, answer);
    return answer.body.event_id;
  }

  async say(roomId: string, body: string): Promise<string> {
    const txn = `c${Date.now()}-${this.txn++}`;
    const answer = await this.call('PUT', `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, { msgtype: 'm.text', body });
    if (answer.status !== 200 || typeof answer.body.event_id !== 'string') fail('sending a message', answer);
    return answer.body.event_id;
  }
}

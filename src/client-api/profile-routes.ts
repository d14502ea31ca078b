// GET /_matrix/client/v3/profile/{userId}, GET/PUT …/displayname and …/avatar_url (client-server API
// "Profiles"). Setting one sends an updated m.room.member event in every room the user is joined to
// ("Events on Change of Profile Information"). Other servers' users: what their member events say here.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import { jsonBodyOf, requiredParam } from '../http/request-params';
import type { Profile } from '../storage';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';

type Field = 'displayname' | 'avatar_url';
const FIELDS: readonly Field[] = ['displayname', 'avatar_url'];

export function profileRouter(cx: ClientApiContext): Router {
  const router = new Router();

  /** Our user's stored profile; for another server's user, the newest member event we hold of theirs. */
  const profileOf = (userId: string): Profile | undefined => {
    if (parseUserId(userId)?.serverName === cx.serverName) {
      if (!cx.storage.users.get(userId)) return undefined;
      return cx.storage.profiles.get(userId) ?? {};
    }
    for (const roomId of cx.storage.listRoomIds()) {
      const id = cx.rooms.currentStateEventId(roomId, 'm.room.member', userId);
      const content = id ? cx.storage.getEvent(id)?.event.content : undefined;
      if (content?.membership === 'join') return pick(content);
    }
    return undefined;
  };

  const found = (ctx: Context): Profile => {
    const userId = requiredParam(ctx, 'userId');
    const profile = profileOf(userId);
    if (!profile) throw new MatrixError(404, 'M_NOT_FOUND', `No profile for ${userId}`);
    return profile;
  };

  router.get(clientPaths('/profile/:userId'), (ctx) => {
    ctx.body = found(ctx);
  });

  for (const field of FIELDS) {
    router.get(clientPaths(`/profile/:userId/${field}`), (ctx) => {
      const value = found(ctx)[field];
      if (value === undefined) throw new MatrixError(404, 'M_NOT_FOUND', `No ${field} set`);
      ctx.body = { [field]: value };
    });

    router.put(clientPaths(`/profile/:userId/${field}`), async (ctx) => {
      const user = authenticate(ctx, cx.storage);
      if (requiredParam(ctx, 'userId') !== user.userId) throw new MatrixError(403, 'M_FORBIDDEN', 'Cannot set the profile of another user');
      const value = jsonBodyOf(ctx)[field];
      if (value !== undefined && value !== null && typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${field} must be a string`);
      const profile: Profile = { ...(cx.storage.profiles.get(user.userId) ?? {}) };
      if (typeof value === 'string') profile[field] = value;
      else delete profile[field];
      cx.storage.profiles.set(user.userId, profile);
      // Every joined room gets a member event carrying the new profile, as the spec asks.
      for (const roomId of cx.storage.listRoomIds()) {
        const id = cx.rooms.currentStateEventId(roomId, 'm.room.member', user.userId);
        const current = id ? cx.storage.getEvent(id)?.event.content : undefined;
        if (current?.membership !== 'join') continue;
        const content = { ...current };
        if (typeof value === 'string') content[field] = value;
        else delete content[field];
        await cx.rooms.sendLocalEvent(roomId, { type: 'm.room.member', sender: user.userId, stateKey: user.userId, content });
      }
      ctx.body = {};
    });
  }
  return router;
}

function pick(content: Record<string, unknown>): Profile {
  const out: Profile = {};
  for (const field of FIELDS) if (typeof content[field] === 'string') out[field] = content[field] as string;
  return out;
}

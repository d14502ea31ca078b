// GET /_matrix/client/v3/rooms/{roomId}/joined_members (client-server API "Room membership", joined
// members): the joined users of the room's current state with their display names and avatars. Members only.
import { Router } from '@koa/router';
import { parseStateKey } from '../protocol/state-map';
import { requiredParam } from '../http/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';
import { assertJoined } from './room-access';

export function joinedMembersRouter(cx: ClientApiContext): Router {
  const router = new Router();
  router.get(clientPaths('/rooms/:roomId/joined_members'), (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const roomId = requiredParam(ctx, 'roomId');
    assertJoined(cx.rooms, roomId, user.userId);
    const joined: Record<string, Record<string, string>> = {};
    for (const [key, eventId] of cx.storage.getCurrentState(roomId)) {
      const [type, member] = parseStateKey(key);
      if (type !== 'm.room.member') continue;
      const content = cx.storage.getEvent(eventId)?.event.content;
      if (content?.membership !== 'join') continue;
      joined[member] = {
        ...(typeof content.displayname === 'string' ? { display_name: content.displayname } : {}),
        ...(typeof content.avatar_url === 'string' ? { avatar_url: content.avatar_url } : {}),
      };
    }
    ctx.body = { joined };
  });
  return router;
}

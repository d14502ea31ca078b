// POST /_matrix/client/v3/createRoom (client-server API "Creation of rooms"): room_version, preset,
// initial_state, name, topic, invite, creation_content; visibility is accepted (there is no directory).
import { Router } from '@koa/router';
import { MatrixError } from '../protocol/errors';
import { parseUserId } from '../protocol/identifiers';
import { isJsonObject, JsonObject } from '../protocol/json';
import { DEFAULT_ROOM_VERSION, roomVersions } from '../protocol/room-versions';
import type { InitialStateEvent, RoomPreset } from '../rooms/room-presets';
import { jsonBodyOf, stringArray } from '../federation/server/request-params';
import { authenticate } from './access-token-auth';
import { ClientApiContext, clientPaths } from './client-api-context';

const PRESETS: readonly RoomPreset[] = ['private_chat', 'public_chat', 'trusted_private_chat'];

function optionalString(body: JsonObject, name: string): string | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `${name} must be a string`);
  return value;
}

function initialStateOf(body: JsonObject): InitialStateEvent[] {
  const raw = body.initial_state;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new MatrixError(400, 'M_BAD_JSON', 'initial_state must be an array');
  return raw.map((entry, i) => {
    if (!isJsonObject(entry) || typeof entry.type !== 'string' || !isJsonObject(entry.content)) {
      throw new MatrixError(400, 'M_BAD_JSON', `initial_state[${i}] needs a string type and an object content`);
    }
    if (entry.state_key !== undefined && typeof entry.state_key !== 'string') throw new MatrixError(400, 'M_BAD_JSON', `initial_state[${i}].state_key must be a string`);
    return { type: entry.type, stateKey: (entry.state_key as string | undefined) ?? '', content: entry.content };
  });
}

export function createRoomRouter(cx: ClientApiContext): Router {
  const router = new Router();

  router.post(clientPaths('/createRoom'), async (ctx) => {
    const user = authenticate(ctx, cx.storage);
    const body = jsonBodyOf(ctx);
    const roomVersion = optionalString(body, 'room_version') ?? DEFAULT_ROOM_VERSION;
    if (!Object.prototype.hasOwnProperty.call(roomVersions, roomVersion)) {
      throw new MatrixError(400, 'M_UNSUPPORTED_ROOM_VERSION', `Room version ${roomVersion} is not supported; choose one of 1–12`);
    }
    const visibility = optionalString(body, 'visibility') ?? 'private';
    if (visibility !== 'private' && visibility !== 'public') throw new MatrixError(400, 'M_INVALID_PARAM', 'visibility must be public or private');
    const presetName = optionalString(body, 'preset') ?? (visibility === 'public' ? 'public_chat' : 'private_chat');
    if (!PRESETS.includes(presetName as RoomPreset)) throw new MatrixError(400, 'M_INVALID_PARAM', `preset must be one of ${PRESETS.join(', ')}`);
    const invite = stringArray(body, 'invite', false);
    for (const userId of invite) if (!parseUserId(userId)) throw new MatrixError(400, 'M_INVALID_PARAM', `Invalid user ID in invite: ${userId}`);
    const creationContent = body.creation_content;
    if (creationContent !== undefined && !isJsonObject(creationContent)) throw new MatrixError(400, 'M_BAD_JSON', 'creation_content must be an object');

    const name = optionalString(body, 'name');
    const topic = optionalString(body, 'topic');
    const roomId = await cx.rooms.createRoom({
      creator: user.userId,
      roomVersion,
      preset: presetName as RoomPreset,
      initialState: initialStateOf(body),
      invite,
      ...(name !== undefined ? { name } : {}),
      ...(topic !== undefined ? { topic } : {}),
      ...(creationContent !== undefined ? { creationContent } : {}),
    });
    cx.logger.info({ roomId, roomVersion, creator: user.userId }, 'created a room');
    ctx.body = { room_id: roomId };
  });
  return router;
}

// Builds one /sync answer (client-server API "GET /sync") from storage: what changed for a user between
// the `since` token and now, or everything (initial sync). Long-polling is the route's business
// (sync-route.ts); this is a pure read and never waits.
//
// Per room, by the user's current membership:
//   join   — timeline: the room's newest visible events after `since` in arrival order (stream),
//            `limited` when more were skipped, `prev_batch` a /messages token before the first;
//            state: the state before the first timeline event — sent on an initial sync, with
//            full_state, when the timeline is limited, or when the user joined since the token;
//            otherwise nothing (the timeline carries every change). Plus summary, ephemeral (typing,
//            receipts), room account data, unread counts (zeros).
//   invite — invite_state: stripped state (create, join rules, name, …) and the invite itself.
//   leave  — the events up to the leave; only in an incremental sync that saw it, or with include_leave.
import type { JsonObject } from '../protocol/json';
import type { RoomEvent } from '../protocol/room-event';
import type { RoomService } from '../rooms/room-service';
import { parseStateKey, stateKey } from '../protocol/state-map';
import type { Storage } from '../storage';
import { clientEventOf } from './client-event';
import { encodeTimelineToken } from './room-read-routes';
import type { SyncFilter } from './sync-filter';
import type { SyncPosition } from './sync-token';
import type { TypingStore } from './typing-store';

export interface SyncSources {
  storage: Storage;
  rooms: Pick<RoomService, 'membershipOf' | 'currentStateEventId'>;
  typing: TypingStore;
  now: () => number;
}

export interface SyncRequest {
  userId: string;
  /** The requesting access token's hash: its own sends carry their transaction IDs. */
  tokenHash: string;
  since: SyncPosition | undefined;
  filter: SyncFilter;
  fullState: boolean;
}

export interface SyncResult {
  body: JsonObject;
  /** Nothing for the client: a long-poll may wait for more. */
  empty: boolean;
  /** Rooms whose changes concern the user (what a long-poll waits on). */
  roomIds: string[];
}

/** State types a client sees of a room it is invited to (client-server API "Stripped state"). */
const INVITE_STATE_TYPES = ['m.room.create', 'm.room.join_rules', 'm.room.name', 'm.room.avatar', 'm.room.canonical_alias', 'm.room.encryption', 'm.room.topic'];
const MAX_HEROES = 5;

/** Where every stream stands now: the next_batch of a sync computed now. */
export function currentPosition(src: SyncSources): SyncPosition {
  return { events: src.storage.streamPosition(), receipts: src.storage.receipts.max(), accountData: src.storage.accountData.max(), typing: src.typing.position() };
}

export function buildSync(src: SyncSources, req: SyncRequest, upTo: SyncPosition): SyncResult {
  const { storage } = src;
  const { userId, since, filter } = req;
  const now = src.now();
  const shown = (e: RoomEvent) => clientEventOf(storage, e, now, e.sender === userId ? transactionIdOf(storage, req.tokenHash, e.eventId) : undefined);
  const join: JsonObject = {};
  const invite: JsonObject = {};
  const leave: JsonObject = {};
  const roomIds: string[] = [];

  const accountData = storage.accountData.changed(userId, since?.accountData ?? 0, upTo.accountData);
  const roomAccountData = new Map<string, JsonObject[]>();
  for (const entry of accountData) {
    if (entry.roomId === '') continue;
    const list = roomAccountData.get(entry.roomId) ?? [];
    list.push({ type: entry.type, content: entry.content });
    roomAccountData.set(entry.roomId, list);
  }
  // A typing counter ahead of ours was issued before a restart: resend every typing list.
  const typingSince = since === undefined || since.typing > upTo.typing ? undefined : since.typing;

  for (const roomId of storage.listRoomIds()) {
    if (filter.rooms && !filter.rooms.has(roomId)) continue;
    if (filter.notRooms.has(roomId)) continue;
    const membership = membershipOf(src, roomId, userId);
    if (!membership) continue;
    const position = storage.streamPositionOf(membership.eventId) ?? 0;
    const changedSinceToken = since === undefined || position > since.events;

    if (membership.value === 'join') {
      roomIds.push(roomId);
      const newlyJoined = since !== undefined && changedSinceToken;
      const stream = storage.roomStreamEvents(roomId, since?.events ?? 0, upTo.events, filter.timelineLimit + 1);
      const typingNow = src.typing.changedSince(roomId, typingSince);
      const receipts = storage.receipts.changed(roomId, since?.receipts ?? 0, upTo.receipts);
      const roomData = roomAccountData.get(roomId) ?? [];
      if (since !== undefined && !req.fullState && stream.length === 0 && !typingNow && receipts.length === 0 && roomData.length === 0) continue;
      const limited = stream.length > filter.timelineLimit;
      const timelineIds = stream.slice(0, filter.timelineLimit).map((s) => s.eventId).reverse();
      const timeline = storage.getEvents(timelineIds).map((s) => s.event);
      const sendState = since === undefined || req.fullState || limited || newlyJoined;
      const state = sendState ? stateBeforeTimeline(src, roomId, timeline, filter.lazyLoadMembers ? membersToLoad(userId, timeline) : undefined) : [];
      const ephemeral: JsonObject[] = [];
      if (typingNow) ephemeral.push({ type: 'm.typing', content: { user_ids: typingNow } });
      if (receipts.length > 0) ephemeral.push(receiptEvent(receipts));
      join[roomId] = {
        timeline: {
          events: timeline.map(shown),
          limited,
          prev_batch: timelineIds.length > 0 ? encodeTimelineToken({ at: 'before', eventId: timelineIds[0] }) : encodeTimelineToken({ at: 'end' }),
        },
        state: { events: state.map((e) => clientEventOf(storage, e, now)) },
        summary: summaryOf(src, roomId, userId),
        unread_notifications: { highlight_count: 0, notification_count: 0 },
        ephemeral: { events: ephemeral },
        account_data: { events: roomData },
      };
    } else if (membership.value === 'invite') {
      roomIds.push(roomId);
      if (!changedSinceToken) continue;
      invite[roomId] = { invite_state: { events: inviteState(src, roomId, membership.event) } };
    } else if (membership.value === 'leave' || membership.value === 'ban') {
      // A room left since the token (or, with include_leave, any room left): its last events up to the leave.
      if (!(since === undefined ? filter.includeLeave : changedSinceToken)) continue;
      const until = membership.outlier ? 0 : Math.min(position, upTo.events);
      const stream = until > (since?.events ?? 0) ? storage.roomStreamEvents(roomId, since?.events ?? 0, until, filter.timelineLimit + 1) : [];
      const ids = stream.slice(0, filter.timelineLimit).map((s) => s.eventId).reverse();
      const events = ids.length > 0 ? storage.getEvents(ids).map((s) => s.event) : [membership.event];
      leave[roomId] = {
        timeline: { events: events.map(shown), limited: stream.length > filter.timelineLimit, prev_batch: encodeTimelineToken({ at: 'before', eventId: events[0].eventId }) },
        state: { events: [] },
        account_data: { events: roomAccountData.get(roomId) ?? [] },
      };
    }
  }

  const globalData = accountData.filter((e) => e.roomId === '').map((e) => ({ type: e.type, content: e.content }));
  const empty = Object.keys(join).length === 0 && Object.keys(invite).length === 0 && Object.keys(leave).length === 0 && globalData.length === 0;
  const body: JsonObject = {
    rooms: { join, invite, leave, knock: {} },
    account_data: { events: globalData },
    presence: { events: [] },
    to_device: { events: [] },
    device_lists: { changed: [], left: [] },
    device_one_time_keys_count: {},
  };
  return { body, empty, roomIds };
}

/** The txnId of a send or redact made with this token (room-send-routes.ts keys them `<endpoint> <room> <…> <txnId>`). */
function transactionIdOf(storage: Storage, tokenHash: string, eventId: string): string | undefined {
  const key = storage.clientTxns.keyOf(tokenHash, eventId);
  return key === undefined ? undefined : key.slice(key.lastIndexOf(' ') + 1);
}

interface Membership {
  value: string;
  eventId: string;
  event: RoomEvent;
  /** Known only as an outlier (another server's invite, or our rejection of it). */
  outlier: boolean;
}

/** The user's membership: from the room's current state, else from a membership outlier (a remote invite). */
function membershipOf(src: SyncSources, roomId: string, userId: string): Membership | undefined {
  const id = src.rooms.currentStateEventId(roomId, 'm.room.member', userId);
  const fromState = id === undefined ? undefined : src.storage.getEvent(id);
  if (fromState) return { value: String(fromState.event.content.membership), eventId: id!, event: fromState.event, outlier: false };
  const outlier = src.storage.getLatestOutlierMembership(roomId, userId);
  if (!outlier) return undefined;
  return { value: String(outlier.event.content.membership), eventId: outlier.event.eventId, event: outlier.event, outlier: true };
}

/** Members a lazy-loading client needs with this timeline: the senders in it, and the user. */
function membersToLoad(userId: string, timeline: RoomEvent[]): Set<string> {
  return new Set([userId, ...timeline.map((e) => e.sender)]);
}

/**
 * The state at the start of the timeline (the state before its first event; the current state when it
 * is empty), leaving out member events of users not in `members` when lazy-loading.
 */
function stateBeforeTimeline(src: SyncSources, roomId: string, timeline: RoomEvent[], members: Set<string> | undefined): RoomEvent[] {
  const state = timeline.length > 0 ? src.storage.getStateBefore(timeline[0].eventId) : src.storage.getCurrentState(roomId);
  const ids: string[] = [];
  for (const [key, eventId] of state) {
    if (members) {
      const [type, member] = parseStateKey(key);
      if (type === 'm.room.member' && !members.has(member)) continue;
    }
    ids.push(eventId);
  }
  return src.storage.getEvents(ids).map((s) => s.event);
}

/** m.heroes and member counts (client-server API "Room summary"), from the current state. */
function summaryOf(src: SyncSources, roomId: string, userId: string): JsonObject {
  let joined = 0;
  let invited = 0;
  const others: string[] = [];
  for (const [key, eventId] of src.storage.getCurrentState(roomId)) {
    const [type, member] = parseStateKey(key);
    if (type !== 'm.room.member') continue;
    const membership = src.storage.getEvent(eventId)?.event.content.membership;
    if (membership === 'join') joined++;
    else if (membership === 'invite') invited++;
    else continue;
    if (member !== userId) others.push(member);
  }
  return { 'm.heroes': others.sort().slice(0, MAX_HEROES), 'm.joined_member_count': joined, 'm.invited_member_count': invited };
}

function stripped(event: RoomEvent): JsonObject {
  return { type: event.type, state_key: event.stateKey ?? '', sender: event.sender, content: event.content };
}

/** Stripped state of a room the user is invited to: ours from its current state, another server's from the invite. */
function inviteState(src: SyncSources, roomId: string, inviteEvent: RoomEvent): JsonObject[] {
  const fromInvite = inviteEvent.pdu.unsigned?.invite_room_state;
  const out: JsonObject[] = [];
  if (Array.isArray(fromInvite)) {
    out.push(...(fromInvite.filter((e) => typeof e === 'object' && e !== null && !Array.isArray(e)) as JsonObject[]));
  } else if (src.storage.hasRoom(roomId)) {
    const state = src.storage.getCurrentState(roomId);
    const ids = INVITE_STATE_TYPES.map((t) => state.get(stateKey(t, ''))).filter((id): id is string => id !== undefined);
    out.push(...src.storage.getEvents(ids).map((s) => stripped(s.event)));
  }
  out.push(stripped(inviteEvent));
  return out;
}

/** One m.receipt event (client-server API "Receipts"): event ID → receipt type → user → {ts}. */
function receiptEvent(receipts: ReturnType<Storage['receipts']['changed']>): JsonObject {
  const content: Record<string, Record<string, Record<string, JsonObject>>> = {};
  for (const r of receipts) {
    const byType = (content[r.eventId] ??= {});
    const byUser = (byType[r.type] ??= {});
    byUser[r.userId] = { ts: r.ts, ...(r.threadId !== '' ? { thread_id: r.threadId } : {}) };
  }
  return { type: 'm.receipt', content };
}

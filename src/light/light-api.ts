// What a light server does for its callers (the control API, the CLI, embedding code): join, learn the
// current state, send; the types of their answers. LightServer implements it.
import type { RoomEvent } from '../protocol/room-event';
import type { CurrentStateOptions, LightView } from './current-state';
import type { LightEventFields } from './light-event-builder';
import type { LightStats } from './light-stats';

export interface JoinOptions {
  via: readonly string[];
}

export type SendOptions = CurrentStateOptions;

export interface SendResult {
  eventId: string;
  event: RoomEvent;
  /** Per server with a joined member: 'ok', or what went wrong (its /send verdict or the request error). */
  delivered: Record<string, string>;
  /** The view the event was built on (its stats are the whole send's). */
  view: LightView;
  stats: LightStats;
}

export interface LightJoinResult {
  eventId: string;
  roomVersion: string;
  via: string;
  stats: LightStats;
}

export interface LightApi {
  join(roomId: string, userId: string, options: JoinOptions): Promise<LightJoinResult>;
  currentState(roomId: string, options: CurrentStateOptions): Promise<LightView>;
  send(roomId: string, fields: LightEventFields, options: SendOptions): Promise<SendResult>;
}

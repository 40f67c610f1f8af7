import { assign, setup } from 'xstate';

/**
 * One remote peer of a Godot 3 `WebRTCMultiplayer`, from `add_peer` to its removal:
 * added → connected (its connection was STATE_CONNECTED and its three channels STATE_OPEN at a
 * poll) → removed (final). It is removed by remove_peer(), by close(), or at a poll once its
 * connection left NEW/CONNECTING/CONNECTED (`connection`) or one of its channels closed
 * (`channel`), as Godot 3's poll removes it.
 */
export type MultiplayerRemoteStateName = 'added' | 'connected' | 'removed';

export type RemovalCause = 'remove_peer' | 'close' | 'connection' | 'channel';

export type MultiplayerRemoteEvent =
  | { type: 'channels_open' }
  /** At a poll: the connection ended (`connection`) or a channel is closing or closed (`channel`). */
  | { type: 'link_ended'; cause: 'connection' | 'channel' }
  | { type: 'remove_peer' }
  | { type: 'close' };

export interface MultiplayerRemoteContext {
  /** The id add_peer gave it: the sender of every packet it delivers. */
  id: number;
  removed: { by: RemovalCause; from: Exclude<MultiplayerRemoteStateName, 'removed'> } | null;
}

export interface MultiplayerRemoteInput {
  id: number;
}

const removals = (from: Exclude<MultiplayerRemoteStateName, 'removed'>) => ({
  link_ended: { target: 'removed' as const, actions: { type: 'removed' as const, params: { from } } },
  remove_peer: { target: 'removed' as const, actions: { type: 'removed' as const, params: { from } } },
  close: { target: 'removed' as const, actions: { type: 'removed' as const, params: { from } } },
});

export const multiplayerRemoteMachine = setup({
  types: {
    context: {} as MultiplayerRemoteContext,
    events: {} as MultiplayerRemoteEvent,
    input: {} as MultiplayerRemoteInput,
  },
  actions: {
    removed: assign(({ event }, params: { from: Exclude<MultiplayerRemoteStateName, 'removed'> }) => ({
      removed: { by: event.type === 'link_ended' ? event.cause : (event.type as 'remove_peer' | 'close'), from: params.from },
    })),
  },
}).createMachine({
  id: 'multiplayerRemote',
  initial: 'added',
  context: ({ input }) => ({ id: input.id, removed: null }),
  states: {
    added: { on: { channels_open: { target: 'connected' }, ...removals('added') } },
    connected: { on: removals('connected') },
    removed: { type: 'final' },
  },
});

/** `channels_open`, `link_ended(connection)`, `link_ended(channel)`, `remove_peer`, `close`. */
export function describeRemoteEvent(event: MultiplayerRemoteEvent): string {
  return event.type === 'link_ended' ? `link_ended(${event.cause})` : event.type;
}

/** describeRemoteEvent's inverse, or null. */
export function parseRemoteEvent(text: string): MultiplayerRemoteEvent | null {
  if (text === 'channels_open' || text === 'remove_peer' || text === 'close') return { type: text };
  if (text === 'link_ended(connection)' || text === 'link_ended(channel)') return { type: 'link_ended', cause: text.slice(11, -1) as 'connection' | 'channel' };
  return null;
}
